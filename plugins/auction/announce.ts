/**
 * A recorded decision told on the bus: a rejection, or each entry it added to
 * the bid log (`bid.accepted`, automatic raises marked `proxy`), a maximum
 * changed without a new bid (`bid.max-set`), and the extension it caused.
 * A bidder's maximum is never in any of them.
 *
 * The events are data first (`decisionEvents`): the store writes them in the
 * decision's own transaction (the announcement outbox), so a crash between the
 * commit and the telling loses nothing; they are told again at start.
 */
import type { Bus } from "../../core/bus.ts";
import { nyString } from "../../core/clock.ts";
import type { Decision } from "./rules.ts";

export type Announcement = [type: string, payload: Record<string, unknown>];

/** Tells a decision; resolves when every listener has finished with it. */
export function announceDecision(bus: Bus, d: Decision, now: Temporal.Instant): Promise<void> {
  return deliverAll(bus, decisionEvents(d), now);
}

export function deliverAll(
  bus: Bus,
  events: Announcement[],
  at: Temporal.Instant,
): Promise<void> {
  return Promise.all(events.map(([type, payload]) => bus.deliver(type, payload as never, at)))
    .then(() => {});
}

/** What a decision tells, in order. */
export function decisionEvents(d: Decision): Announcement[] {
  const out: Announcement[] = [];
  if (d.kind === "rejected") {
    out.push(["bid.rejected", {
      auctionId: d.auctionId,
      tweetId: d.tweetId,
      handle: d.handle,
      reason: d.reason,
      message: d.message,
      at: nyString(d.tweetAt),
    }]);
    return out;
  }
  let previous = d.previousLeader;
  d.entries.forEach((e, i) => {
    out.push(["bid.accepted", {
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
    }]);
    previous = { handle: e.handle, amountWei: e.amountWei };
  });
  if (!d.entries.length) {
    out.push(["bid.max-set", {
      auctionId: d.auctionId,
      tweetId: d.tweetId,
      handle: d.handle,
      cancelled: d.action === "cancel-max",
      currentWei: d.previousLeader?.amountWei ?? 0n,
      at: nyString(d.tweetAt),
    }]);
  }
  if (d.extended) {
    out.push(["auction.extended", {
      auctionId: d.auctionId,
      endsAt: nyString(d.extended.to),
      previousEndsAt: nyString(d.extended.from),
    }]);
  }
  return out;
}

/** As stored: JSON, with each bigint as `{ "$wei": "…" }`. */
export function encodeAnnouncements(events: Announcement[]): string {
  return JSON.stringify(events, (_k, v) => typeof v === "bigint" ? { $wei: String(v) } : v);
}

export function decodeAnnouncements(json: unknown): Announcement[] {
  const text = typeof json === "string" ? json : JSON.stringify(json);
  return JSON.parse(
    text,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 &&
        typeof v.$wei === "string" && /^\d{1,78}$/.test(v.$wei)
        ? BigInt(v.$wei)
        : v,
  );
}
