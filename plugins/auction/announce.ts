/**
 * A recorded decision told on the bus: a rejection, or each entry it added to
 * the bid log (`bid.accepted`, automatic raises marked `proxy`), a maximum
 * changed without a new bid (`bid.max-set`), and the extension it caused.
 * A bidder's maximum is never in any of them.
 */
import type { Bus } from "../../core/bus.ts";
import { nyString } from "../../core/clock.ts";
import type { Decision } from "./rules.ts";

export function announceDecision(bus: Bus, d: Decision, now: Temporal.Instant): void {
  if (d.kind === "rejected") {
    bus.emit("bid.rejected", {
      auctionId: d.auctionId,
      tweetId: d.tweetId,
      handle: d.handle,
      reason: d.reason,
      message: d.message,
      at: nyString(d.tweetAt),
    }, now);
    return;
  }
  let previous = d.previousLeader;
  d.entries.forEach((e, i) => {
    bus.emit("bid.accepted", {
      auctionId: d.auctionId,
      tweetId: e.tweetId,
      entryId: e.rowId,
      handle: e.handle,
      bidderId: e.bidderId,
      amountWei: e.amountWei,
      at: nyString(e.tweetAt),
      previousLeader: previous,
      endsAt: nyString(d.endsAt),
      proxy: e.proxy,
      max: !e.proxy && d.action === "max",
      leads: i === d.entries.length - 1,
      causedBy: e.proxy ? d.tweetId : null,
    }, now);
    previous = { handle: e.handle, amountWei: e.amountWei };
  });
  if (!d.entries.length) {
    bus.emit("bid.max-set", {
      auctionId: d.auctionId,
      tweetId: d.tweetId,
      handle: d.handle,
      cancelled: d.action === "cancel-max",
      currentWei: d.previousLeader?.amountWei ?? 0n,
      at: nyString(d.tweetAt),
    }, now);
  }
  if (d.extended) {
    bus.emit("auction.extended", {
      auctionId: d.auctionId,
      endsAt: nyString(d.extended.to),
      previousEndsAt: nyString(d.extended.from),
    }, now);
  }
}
