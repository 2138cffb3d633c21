/**
 * The `sparkline` widget: the accepted bids' prices of the lot on show as a
 * line, the latest price over it. Built only on the compositor's face (an
 * example of the widget SDK). State: the prices of the current auction, reset
 * when another auction's snapshot comes; painted into a layer only when a bid
 * lands or the item's config changes.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import {
  type Box,
  card,
  cardLabel,
  createLayers,
  defineWidget,
  font,
  formatEth,
  theme,
} from "../compositor/mod.ts";
import type {} from "../auction/mod.ts";

/** Prices kept: more than any item shows. */
const KEEP = 200;

interface SparklineState {
  auctionId: string | null;
  prices: bigint[];
  version: number;
  layers: ReturnType<typeof createLayers>;
}

const config = z.object({
  label: z.string().max(40).default("BID PRICE"),
  /** How many of the latest bids the line spans. */
  points: z.number().int().min(2).max(KEEP).default(30),
});
type SparklineConfig = z.output<typeof config>;

export const sparkline = defineWidget({
  kind: "sparkline",
  config,
  state: {
    init: (): SparklineState => ({
      auctionId: null,
      prices: [],
      version: 0,
      layers: createLayers(),
    }),
    on: {
      "auction.updated": (s, e) => {
        if (s.auctionId === e.payload.auctionId) return;
        s.auctionId = e.payload.auctionId;
        s.prices = [];
        s.version++;
      },
      "bid.accepted": (s, e) => {
        if (s.auctionId !== null && e.payload.auctionId !== s.auctionId) return;
        s.prices.push(e.payload.amountWei);
        if (s.prices.length > KEEP) s.prices.shift();
        s.version++;
      },
    },
  },
  draw(g, box, s, { config }) {
    const key = `${s.version}|${config.label}|${config.points}`;
    s.layers(g, box, key, (g) => paint(g, box, s.prices.slice(-config.points), config));
  },
});

function paint(g: SKRSContext2D, box: Box, prices: bigint[], c: SparklineConfig) {
  const s = box.scale;
  card(g, box, s);
  const pad = 18 * s;
  g.textBaseline = "top";
  g.textAlign = "left";
  cardLabel(g, c.label, box.x + pad, box.y + pad, s);
  const last = prices.at(-1);
  if (last !== undefined) {
    g.textAlign = "right";
    g.font = font(700, 18, s);
    g.fillStyle = theme.ink;
    g.fillText(formatEth(last), box.x + box.width - pad, box.y + pad - 3 * s);
  }
  const plot = {
    x: box.x + pad,
    y: box.y + pad + 30 * s,
    width: box.width - 2 * pad,
    height: box.height - 2 * pad - 30 * s,
  };
  if (prices.length < 2 || plot.height < 4 || plot.width < 4) {
    g.textAlign = "left";
    g.font = font(500, 15, s);
    g.fillStyle = theme.faint;
    g.fillText("The line starts with the second bid.", plot.x, plot.y);
    return;
  }
  // For drawing only (amounts on screen stay exact): milli-ETH as a float is plenty for pixels.
  const values = prices.map((p) => Number(p / 10n ** 12n) / 1e6);
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  const at = (i: number) => ({
    x: plot.x + (i / (values.length - 1)) * plot.width,
    y: plot.y + plot.height - ((values[i] - min) / span) * plot.height,
  });
  g.beginPath();
  values.forEach((_, i) => (i === 0 ? g.moveTo(at(i).x, at(i).y) : g.lineTo(at(i).x, at(i).y)));
  g.lineTo(plot.x + plot.width, plot.y + plot.height);
  g.lineTo(plot.x, plot.y + plot.height);
  g.closePath();
  g.fillStyle = "rgba(216,180,106,0.14)";
  g.fill();
  g.beginPath();
  values.forEach((_, i) => (i === 0 ? g.moveTo(at(i).x, at(i).y) : g.lineTo(at(i).x, at(i).y)));
  g.lineWidth = 2.5 * s;
  g.lineJoin = "round";
  g.strokeStyle = theme.gold;
  g.stroke();
  const end = at(values.length - 1);
  g.beginPath();
  g.arc(end.x, end.y, 4 * s, 0, Math.PI * 2);
  g.fillStyle = theme.ink;
  g.fill();
}
