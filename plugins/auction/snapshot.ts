/** The full public snapshot of an auction (`auction.updated`, the `auctions` service, routes). */
import { nyString } from "../../core/clock.ts";
import type { AuctionEvents } from "./events.ts";
import { type AuctionState, leaderOf, minNextWei } from "./rules.ts";

export type AuctionSnapshot = AuctionEvents["auction.updated"];

export function snapshot(s: AuctionState): AuctionSnapshot {
  const leader = leaderOf(s);
  return {
    auctionId: s.rules.id,
    item: s.rules.item,
    status: s.status,
    startsAt: nyString(s.rules.startsAt),
    endsAt: nyString(s.endsAt),
    maxEndsAt: nyString(s.rules.maxEndsAt),
    reserveWei: s.rules.reserveWei,
    priceWei: leader?.amountWei ?? null,
    leader: leader &&
      { handle: leader.handle, tweetId: leader.tweetId, amountWei: leader.amountWei },
    bidCount: s.bids.length,
    minNextWei: minNextWei(s),
    extensions: s.extensions,
    extensionWindowSeconds: s.rules.extensionWindowSeconds,
    extensionSeconds: s.rules.extensionSeconds,
    ingestGraceSeconds: s.rules.ingestGraceSeconds,
  };
}

/** JSON with bigints as decimal strings (the only place money becomes text). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v);
}
