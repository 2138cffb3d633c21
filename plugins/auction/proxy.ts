/**
 * Placing a bid that is valid and covered: plain bids and maximum (proxy) bids,
 * eBay's rule. A maximum places the lowest winning bid now and is raised
 * automatically, by the readable minimum increment, whenever someone else bids,
 * up to the maximum (never announced). Only the leader's maximum can act: every
 * other maximum has been outbid already. The leader holds against a new bid
 * whose maximum is lower, or equal and tweeted later (a tie goes to the earlier
 * tweet); the automatic raise is a bid at the time of the tweet that caused it.
 *
 * Pure: the entries a decision adds to the bid log and the auction after it.
 */
import type { AcceptedBid, AuctionRules, AuctionState, Maximum } from "./rules.ts";

/** Rounds up to at most 4 significant digits: 1.38075 ETH → 1.381 ETH. */
export function readable(wei: bigint): bigint {
  const digits = wei.toString().length;
  if (digits <= 4) return wei;
  const unit = 10n ** BigInt(digits - 4);
  return ((wei + unit - 1n) / unit) * unit;
}

/** The least a bid may be once `amount` leads: amount + the increment, rounded up to a readable step. */
export function minAfter(rules: AuctionRules, amount: bigint): bigint {
  const byBps = (amount * BigInt(rules.minIncrementBps) + 9_999n) / 10_000n;
  return readable(amount + (byBps > rules.minIncrementWei ? byBps : rules.minIncrementWei));
}

/** A bidder's maximum that can still act: the leader's, when above their bid. */
export function activeMaximum(s: AuctionState): Maximum | null {
  const leader = s.bids.at(-1);
  const max = leader && s.maxima[leader.bidderId];
  return max && max.maxWei > leader.amountWei ? max : null;
}

const cmp = Temporal.Instant.compare;
const compareIds = (a: string, b: string) =>
  a.length !== b.length && /^\d+$/.test(a + b) ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
/** Tweet order: time, then id. */
export const earlier = (a: { tweetAt: Temporal.Instant; tweetId: string }, b: typeof a) =>
  (cmp(a.tweetAt, b.tweetAt) || compareIds(a.tweetId, b.tweetId)) < 0;

export interface Placing {
  tweetId: string;
  handle: string;
  bidderId: string;
  tweetAt: Temporal.Instant;
  /** A plain bid of exactly `amountWei`, or a maximum of `amountWei`. */
  amountWei: bigint;
  max: boolean;
}

export interface Placed {
  /** What the decision adds to the bid log, in order (the leader is the last). */
  entries: AcceptedBid[];
  state: AuctionState;
  /** The tweet's bidder leads afterwards. */
  leads: boolean;
}

/**
 * Places a bid already checked against the minimum (`minNextWei`) and the escrow. A
 * maximum by the leader changes only their maximum (no entry; `amountWei` must exceed
 * their current bid, which the caller checks).
 */
export function place(s: AuctionState, p: Placing): Placed {
  const leader = s.bids.at(-1) ?? null;
  const own = (amountWei: bigint): AcceptedBid => ({
    rowId: p.tweetId,
    tweetId: p.tweetId,
    handle: p.handle,
    bidderId: p.bidderId,
    amountWei,
    tweetAt: p.tweetAt,
    proxy: false,
  });
  // A maximum replaces the bidder's last one; a plain bid leaves it (outbid ones cannot act).
  const maxima = p.max
    ? {
      ...s.maxima,
      [p.bidderId]: {
        tweetId: p.tweetId,
        handle: p.handle,
        maxWei: p.amountWei,
        tweetAt: p.tweetAt,
      },
    }
    : s.maxima;
  const done = (entries: AcceptedBid[], maxima = s.maxima): Placed => ({
    entries,
    state: { ...s, bids: [...s.bids, ...entries], maxima },
    leads: [...s.bids, ...entries].at(-1)?.bidderId === p.bidderId,
  });

  if (leader?.bidderId === p.bidderId) {
    if (p.max) return done([], maxima);
    // A leader raising their own plain bid keeps a maximum still above it.
    const kept = s.maxima[p.bidderId];
    return done(
      [own(p.amountWei)],
      kept && kept.maxWei <= p.amountWei ? without(s.maxima, p.bidderId) : s.maxima,
    );
  }
  if (!leader) return done([own(p.max ? s.rules.reserveWei : p.amountWei)], maxima);

  // The rival: the leader's maximum, or their bid when they have none acting.
  const active = activeMaximum(s);
  const rival = active ??
    { tweetId: leader.tweetId, maxWei: leader.amountWei, tweetAt: leader.tweetAt };
  const raise = (amountWei: bigint): AcceptedBid => ({
    rowId: `${p.tweetId}:proxy`,
    tweetId: rival.tweetId,
    handle: leader.handle,
    bidderId: leader.bidderId,
    amountWei,
    tweetAt: p.tweetAt,
    proxy: true,
  });
  const wins = p.amountWei > rival.maxWei ||
    (p.amountWei === rival.maxWei && earlier(p, rival));
  if (wins) {
    // The leader's maximum goes as high as it can, then the new bid beats it.
    const first = active ? [raise(active.maxWei)] : [];
    const target = minAfter(s.rules, rival.maxWei);
    const amount = p.max && target < p.amountWei ? target : p.amountWei;
    return done([...first, own(amount)], maxima);
  }
  // The leader's maximum answers: the least that beats the new bid, or all of it (a tie).
  const answer = minAfter(s.rules, p.amountWei);
  return done([own(p.amountWei), raise(answer < rival.maxWei ? answer : rival.maxWei)], maxima);
}

/** Cancels the leader's maximum: their current bid stands, nothing rises for them any more. */
export function cancelMaximum(s: AuctionState, bidderId: string): AuctionState {
  return { ...s, maxima: without(s.maxima, bidderId) };
}

const without = (m: Record<string, Maximum>, key: string) => {
  const { [key]: _gone, ...rest } = m;
  return rest;
};
