/**
 * The auction status widget: current bid in ETH (exact from wei), the highest
 * bidder, reserve met or not, bid count and the next minimum. After the close
 * (`props.mode: "result"`, or status closed) it shows the result. A new leader
 * lights the amount for a moment.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import {
  card,
  cardLabel,
  createLayers,
  defineWidget,
  ellipsize,
  fitText,
  font,
  formatEth,
  theme,
} from "../compositor/mod.ts";
import type { AuctionClosed, AuctionUpdated } from "../auction/mod.ts";
import type { Box } from "../compositor/mod.ts";

const HIGHLIGHT_MS = 1500;

interface StatusState {
  auction: AuctionUpdated | null;
  closed: AuctionClosed | null;
  leaderAt: Temporal.Instant | null;
  version: number;
  layers: ReturnType<typeof createLayers>;
}

export const status = defineWidget({
  kind: "status",
  config: z.object({
    /** `result`: the result card whatever the status (the post-auction scene). */
    mode: z.enum(["live", "result"]).default("live"),
  }),
  state: {
    init: (): StatusState => ({
      auction: null,
      closed: null,
      leaderAt: null,
      version: 0,
      layers: createLayers(),
    }),
    on: {
      "auction.updated": (state, e) => {
        state.version++;
        const next = e.payload;
        if (next.auctionId !== state.auction?.auctionId) state.closed = null;
        state.auction = next;
      },
      "bid.accepted": (state, e) => {
        state.version++;
        const bid = e.payload;
        state.leaderAt = Temporal.Instant.from(e.at);
        const auction = state.auction;
        // Shown at once; the auction's own snapshot follows with the rest.
        if (auction && auction.auctionId === bid.auctionId) {
          state.auction = {
            ...auction,
            priceWei: bid.amountWei,
            leader: { handle: bid.handle, tweetId: bid.tweetId, amountWei: bid.amountWei },
            bidCount: Math.max(auction.bidCount, 0) + 1,
            endsAt: bid.endsAt,
          };
        }
      },
      "auction.closed": (state, e) => {
        state.version++;
        state.closed = e.payload;
      },
    },
  },
  // Repainted only when an event changed the state, or while the new-leader light fades.
  draw(g, box, state, { now, config }) {
    const since = state.leaderAt ? now.since(state.leaderAt).total("milliseconds") : Infinity;
    const fading = since >= 0 && since < HIGHLIGHT_MS ? Math.floor(since / 50) : -1;
    const key = `${state.version}|${config.mode}|${fading}`;
    state.layers(g, box, key, (g) => paint(g, box, state, config.mode, now));
  },
});

function paint(
  g: SKRSContext2D,
  box: Box,
  state: StatusState,
  mode: string,
  now: Temporal.Instant,
) {
  const { auction, closed, leaderAt } = state;
  const s = box.scale;
  card(g, box, s);
  const pad = 22 * s;
  const x = box.x + pad;
  const w = box.width - 2 * pad;
  let y = box.y + pad;
  g.textAlign = "left";
  g.textBaseline = "top";
  const label = (text: string, colour?: string) => cardLabel(g, text, x, y, s, colour);
  if (!auction) {
    label("NEXT LOT");
    g.font = font(700, 28, s);
    g.fillStyle = theme.ink;
    g.fillText("Opening soon", x, y + 26 * s);
    return;
  }
  const result = mode === "result" || auction.status === "closed" ||
    auction.status === "cancelled";
  if (result) {
    const winner = closed?.winner ??
      (auction.status === "closed" && auction.leader && auction.priceWei !== null &&
          auction.priceWei >= auction.reserveWei
        ? { handle: auction.leader.handle, amountWei: auction.leader.amountWei }
        : null);
    if (auction.status === "cancelled") {
      label("AUCTION CANCELLED", theme.bad);
      return;
    }
    label(winner ? "SOLD" : "PASSED", winner ? theme.gold : theme.muted);
    y += 24 * s;
    g.fillStyle = theme.ink;
    fitText(g, winner ? formatEth(winner.amountWei) : "Reserve not met", x, y, w, 800, 46 * s);
    y += 60 * s;
    if (winner) {
      g.font = font(500, 18, s);
      g.fillStyle = theme.muted;
      g.fillText("Winning bidder", x, y);
      g.font = font(700, 24, s);
      g.fillStyle = theme.gold;
      g.fillText(ellipsize(g, winner.handle, w), x, y + 24 * s);
    }
    const runnerUp = closed?.runnerUp;
    if (runnerUp) {
      g.font = font(500, 15, s);
      g.fillStyle = theme.faint;
      g.fillText(
        ellipsize(g, `Runner-up ${runnerUp.handle} · ${formatEth(runnerUp.amountWei)}`, w),
        x,
        y + 62 * s,
      );
    }
    return;
  }
  const hasBid = auction.priceWei !== null && auction.leader !== null;
  label(hasBid ? "CURRENT BID" : "OPENING BID");
  y += 22 * s;
  const since = leaderAt ? now.since(leaderAt).total("milliseconds") : Infinity;
  if (since >= 0 && since < HIGHLIGHT_MS) {
    const a = 0.35 * (1 - since / HIGHLIGHT_MS);
    g.fillStyle = `rgba(216,180,106,${a.toFixed(3)})`;
    g.beginPath();
    g.roundRect(x - 8 * s, y - 4 * s, w + 16 * s, 60 * s, 8 * s);
    g.fill();
  }
  g.fillStyle = theme.ink;
  fitText(g, formatEth(hasBid ? auction.priceWei! : auction.minNextWei), x, y, w, 800, 48 * s);
  y += 64 * s;
  g.font = font(500, 16, s);
  g.fillStyle = theme.muted;
  g.fillText(hasBid ? "Highest bidder" : "No bids yet", x, y);
  if (hasBid) {
    g.font = font(700, 22, s);
    g.fillStyle = theme.gold;
    g.fillText(ellipsize(g, auction.leader!.handle, w), x, y + 22 * s);
  }
  y += 58 * s;
  const met = auction.priceWei !== null && auction.priceWei >= auction.reserveWei;
  let cx = x;
  const chip = (text: string, colour: string) => {
    g.font = font(600, 14, s);
    const tw = g.measureText(text).width;
    const cw = tw + 20 * s;
    g.fillStyle = `${colour}26`;
    g.beginPath();
    g.roundRect(cx, y, cw, 26 * s, 13 * s);
    g.fill();
    g.fillStyle = colour;
    g.fillText(text, cx + 10 * s, y + 5 * s);
    cx += cw + 8 * s;
  };
  chip(met ? "Reserve met" : "Reserve not met", met ? theme.ok : theme.warn);
  chip(`${auction.bidCount} ${auction.bidCount === 1 ? "bid" : "bids"}`, theme.ink);
  if (auction.status === "paused") chip("Paused", theme.bad);
  g.font = font(500, 14, s);
  g.fillStyle = theme.faint;
  g.fillText(
    ellipsize(g, `Next bid at least ${formatEth(auction.minNextWei)}`, w),
    x,
    y + 36 * s,
  );
}
