/**
 * The `leaderboard` widget: the top bidders of the lot on show, each by their
 * highest accepted bid, the leader in gold. Built only on the compositor's
 * face (an example of the widget SDK). State: each bidder's best bid of the
 * current auction, reset when another auction's snapshot comes.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import {
  type Box,
  card,
  cardLabel,
  createLayers,
  defineWidget,
  ellipsize,
  font,
  formatEth,
  theme,
} from "../compositor/mod.ts";
import type {} from "../auction/mod.ts";

interface Board {
  auctionId: string | null;
  /** Handle → highest accepted bid. */
  best: Map<string, bigint>;
  version: number;
  layers: ReturnType<typeof createLayers>;
}

const config = z.object({
  label: z.string().max(40).default("TOP BIDDERS"),
  rows: z.number().int().min(1).max(10).default(5),
});

/** The top `n` bidders, highest first (ties: the handle, so frames replay the same). */
export function topBidders(best: Map<string, bigint>, n: number): [string, bigint][] {
  return [...best].sort(([ha, a], [hb, b]) => (a === b ? (ha < hb ? -1 : 1) : a > b ? -1 : 1))
    .slice(0, n);
}

export const leaderboard = defineWidget({
  kind: "leaderboard",
  config,
  state: {
    init: (): Board => ({ auctionId: null, best: new Map(), version: 0, layers: createLayers() }),
    on: {
      "auction.updated": (s, e) => {
        if (s.auctionId === e.payload.auctionId) return;
        s.auctionId = e.payload.auctionId;
        s.best = new Map();
        s.version++;
      },
      "bid.accepted": (s, e) => {
        const { auctionId, handle, amountWei } = e.payload;
        if (s.auctionId !== null && auctionId !== s.auctionId) return;
        if ((s.best.get(handle) ?? -1n) >= amountWei) return;
        s.best.set(handle, amountWei);
        s.version++;
      },
    },
  },
  draw(g, box, s, { config }) {
    const key = `${s.version}|${config.label}|${config.rows}`;
    s.layers(g, box, key, (g) => paint(g, box, topBidders(s.best, config.rows), config.label));
  },
});

function paint(g: SKRSContext2D, box: Box, rows: [string, bigint][], label: string) {
  const s = box.scale;
  card(g, box, s);
  const pad = 18 * s;
  const x = box.x + pad;
  const w = box.width - 2 * pad;
  g.textBaseline = "top";
  g.textAlign = "left";
  cardLabel(g, label, x, box.y + pad, s);
  const top = box.y + pad + 26 * s;
  if (!rows.length) {
    g.font = font(500, 15, s);
    g.fillStyle = theme.faint;
    g.fillText("No bids yet.", x, top);
    return;
  }
  const rowH = Math.min(30 * s, (box.y + box.height - pad - top) / rows.length);
  for (const [i, [handle, wei]] of rows.entries()) {
    const y = top + i * rowH;
    const lead = i === 0;
    g.font = font(700, 15, s);
    g.fillStyle = lead ? theme.gold : theme.faint;
    g.textAlign = "left";
    g.fillText(`${i + 1}`, x, y);
    g.textAlign = "right";
    g.font = font(700, 16, s);
    g.fillStyle = lead ? theme.ink : theme.muted;
    const amount = formatEth(wei);
    g.fillText(amount, x + w, y);
    const room = w - 26 * s - g.measureText(amount).width - 12 * s;
    g.textAlign = "left";
    g.font = font(lead ? 700 : 600, 16, s);
    g.fillStyle = lead ? theme.gold : theme.ink;
    g.fillText(ellipsize(g, handle, Math.max(10 * s, room)), x + 26 * s, y);
  }
}
