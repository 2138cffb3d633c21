/**
 * The bid feed widget: the latest bids, newest first, accepted in green with
 * the amount, rejected in red with the reason. A new row slides in lit.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import {
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
import type { Box } from "../compositor/mod.ts";

export interface FeedRow {
  tweetId: string;
  handle: string;
  accepted: boolean;
  amountWei: bigint | null;
  /** The rejection's human message. */
  message: string;
  /** When the feed heard of it. */
  shownAt: Temporal.Instant;
}

const KEEP = 12;
const NEW_MS = 1200;

interface FeedState {
  rows: FeedRow[];
  auctionId: string | null;
  version: number;
  layers: ReturnType<typeof createLayers>;
}

const add = (state: FeedState, row: FeedRow) => {
  state.version++;
  state.rows = [row, ...state.rows.filter((r) => r.tweetId !== row.tweetId)].slice(0, KEEP);
};

export const bidFeed = defineWidget({
  kind: "bid-feed",
  config: z.object({}),
  state: {
    init: (): FeedState => ({ rows: [], auctionId: null, version: 0, layers: createLayers() }),
    on: {
      "auction.updated": (state, e) => {
        const id = e.payload.auctionId;
        if (state.auctionId !== null && id !== state.auctionId) {
          state.rows = [];
          state.version++;
        }
        state.auctionId = id;
      },
      "bid.accepted": (state, e) => {
        const b = e.payload;
        const outbids = b.previousLeader ? `outbids ${b.previousLeader.handle}` : "first bid";
        add(state, {
          // A maximum's raises are rows of their own (one tweet, several bids).
          tweetId: b.entryId ?? b.tweetId,
          handle: b.handle,
          accepted: true,
          amountWei: b.amountWei,
          message: b.proxy ? `proxy bid · ${outbids}` : outbids,
          shownAt: Temporal.Instant.from(e.at),
        });
      },
      "bid.rejected": (state, e) => {
        const b = e.payload;
        add(state, {
          tweetId: b.tweetId,
          handle: b.handle,
          accepted: false,
          amountWei: null,
          message: b.message || b.reason,
          shownAt: Temporal.Instant.from(e.at),
        });
      },
    },
  },
  // Repainted only when a row arrives or the newest row's light is on.
  draw(g, box, state, { now }) {
    const first = state.rows[0];
    const age = first ? now.since(first.shownAt).total("milliseconds") : Infinity;
    const key = `${state.version}|${age >= 0 && age < NEW_MS ? "new" : "old"}`;
    state.layers(g, box, key, (g) => paint(g, box, state.rows, now));
  },
});

function paint(g: SKRSContext2D, box: Box, rows: FeedRow[], now: Temporal.Instant) {
  const s = box.scale;
  card(g, box, s);
  const pad = 18 * s;
  const x = box.x + pad;
  const w = box.width - 2 * pad;
  let y = box.y + pad;
  g.textBaseline = "top";
  g.textAlign = "left";
  cardLabel(g, "LATEST BIDS", x, y, s);
  y += 22 * s;
  if (!rows.length) {
    g.font = font(500, 16, s);
    g.fillStyle = theme.faint;
    g.fillText("Bids appear here the moment they land.", x, y + 6 * s);
    return;
  }
  const rowH = 31 * s;
  const fits = Math.max(1, Math.floor((box.y + box.height - pad - y) / rowH));
  for (const [i, row] of rows.slice(0, fits).entries()) {
    const age = now.since(row.shownAt).total("milliseconds");
    const fresh = i === 0 && age >= 0 && age < NEW_MS;
    const ry = y + i * rowH;
    const colour = row.accepted ? theme.ok : theme.bad;
    g.globalAlpha = i === 0 ? 1 : Math.max(0.45, 1 - i * 0.12);
    if (fresh) {
      g.fillStyle = row.accepted ? "rgba(95,208,138,0.16)" : "rgba(239,106,90,0.16)";
      g.beginPath();
      g.roundRect(x - 6 * s, ry, w + 12 * s, rowH - 3 * s, 6 * s);
      g.fill();
    }
    g.fillStyle = colour;
    g.fillRect(x, ry + 5 * s, 4 * s, rowH - 13 * s);
    const amount = row.accepted && row.amountWei !== null ? formatEth(row.amountWei) : "";
    g.font = font(700, 17, s);
    const amountW = amount ? g.measureText(amount).width : 0;
    g.fillStyle = row.accepted ? theme.ink : theme.muted;
    g.textAlign = "right";
    if (amount) g.fillText(amount, x + w, ry + 4 * s);
    g.textAlign = "left";
    g.font = font(700, 16, s);
    g.fillStyle = theme.ink;
    const handle = ellipsize(g, row.handle, w * 0.5);
    g.fillText(handle, x + 14 * s, ry + 4 * s);
    const hw = g.measureText(handle).width;
    g.font = font(500, 13, s);
    g.fillStyle = row.accepted ? theme.faint : theme.bad;
    const room = w - 14 * s - hw - 10 * s - (amountW ? amountW + 12 * s : 0);
    if (room > 30 * s) {
      g.fillText(ellipsize(g, row.message, room), x + 24 * s + hw, ry + 7 * s);
    }
    g.globalAlpha = 1;
  }
}
