/**
 * The auction rules as pure functions: `decide(market, bid, wallet)` returns
 * the decision and the new market, never touching I/O, so the same inputs
 * always give the same decisions (rehearsals, property tests, crash recovery).
 *
 * A market is every auction the engine knows, because funds are shared:
 * a bidder's leading bids elsewhere reserve part of their escrow.
 */
import { parseBid } from "./parse_bid.ts";

export const REASONS = [
  "malformed",
  "not_open",
  "closed",
  "paused",
  "not_linked",
  "insufficient_funds",
  "below_reserve",
  "below_increment",
  "duplicate",
  "rate_limited",
] as const;
export type Reason = typeof REASONS[number];

export type Status = "scheduled" | "open" | "paused" | "closed" | "cancelled";

export interface AuctionRules {
  id: string;
  item: string;
  campaignId: string | null;
  startsAt: Temporal.Instant;
  /** The end as scheduled, before extensions. */
  endsAt: Temporal.Instant;
  maxEndsAt: Temporal.Instant;
  reserveWei: bigint;
  minIncrementBps: number;
  minIncrementWei: bigint;
  extensionWindowSeconds: number;
  extensionSeconds: number;
  ingestGraceSeconds: number;
}

export interface AcceptedBid {
  tweetId: string;
  handle: string;
  amountWei: bigint;
  tweetAt: Temporal.Instant;
}

export interface Party {
  handle: string;
  amountWei: bigint;
  tweetId: string;
}

export interface AuctionState {
  rules: AuctionRules;
  status: Status;
  /** The current end, after extensions. */
  endsAt: Temporal.Instant;
  extensions: number;
  /** Accepted, not voided bids, in order of acceptance (each higher than the last). */
  bids: AcceptedBid[];
  /** Every decision made for this auction (accepted or rejected). */
  decisions: number;
  closedAt: Temporal.Instant | null;
  winner: Party | null;
  runnerUp: Party | null;
  /** The winner has paid: their funds are no longer held by this auction. */
  settled: boolean;
}

export interface RateLimit {
  bids: number;
  perSeconds: number;
}

export interface Market {
  auctions: Record<string, AuctionState>;
  rateLimit: RateLimit;
  /** Tweet times of each handle's recent bids (lower-case handle), for the rate limit. */
  recent: Record<string, Temporal.Instant[]>;
}

export interface Bid {
  tweetId: string;
  handle: string;
  text: string;
  tweetAt: Temporal.Instant;
}

/** What the funds provider said about the bidder. */
export interface Wallet {
  linked: boolean;
  balanceWei: bigint;
  /** Why the deposit transaction the bid names does not cover it (the chain's words). */
  txRefusal?: string;
}

export type Decision =
  | {
    kind: "accepted";
    auctionId: string;
    tweetId: string;
    handle: string;
    amountWei: bigint;
    tweetAt: Temporal.Instant;
    previousLeader: { handle: string; amountWei: bigint } | null;
    endsAt: Temporal.Instant;
    extended: { from: Temporal.Instant; to: Temporal.Instant } | null;
  }
  | {
    kind: "rejected";
    auctionId: string | null;
    tweetId: string;
    handle: string;
    amountWei: bigint | null;
    tweetAt: Temporal.Instant;
    reason: Reason;
    message: string;
  };

export const sameHandle = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A fresh auction, scheduled. */
export function newAuction(rules: AuctionRules): AuctionState {
  return {
    rules,
    status: "scheduled",
    endsAt: rules.endsAt,
    extensions: 0,
    bids: [],
    decisions: 0,
    closedAt: null,
    winner: null,
    runnerUp: null,
    settled: false,
  };
}

export function leaderOf(state: AuctionState): AcceptedBid | null {
  return state.bids.at(-1) ?? null;
}

/** The least the next bid may be: the reserve, or the leader plus the increment. */
export function minNextWei(state: AuctionState): bigint {
  const leader = leaderOf(state);
  if (!leader) return state.rules.reserveWei;
  const { minIncrementBps, minIncrementWei } = state.rules;
  const byBps = ceilDiv(leader.amountWei * BigInt(minIncrementBps), 10_000n);
  return leader.amountWei + (byBps > minIncrementWei ? byBps : minIncrementWei);
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Auctions whose funds a leader or unpaid winner holds. */
const holdsFunds = (s: AuctionState) =>
  s.status === "open" || s.status === "paused" || s.status === "scheduled" ||
  (s.status === "closed" && !s.settled);

/** The part of `handle`'s escrow held by their leading bids (or unpaid wins) in other auctions. */
export function heldElsewhere(market: Market, handle: string, exceptId: string): bigint {
  let held = 0n;
  for (const s of Object.values(market.auctions)) {
    if (s.rules.id === exceptId || !holdsFunds(s)) continue;
    const lead = s.status === "closed" ? s.winner : leaderOf(s);
    if (lead && sameHandle(lead.handle, handle)) held += lead.amountWei;
  }
  return held;
}

/** Live at `at`: bids can be placed now, or it would be open but for a pause. */
function liveAt(s: AuctionState, at: Temporal.Instant): boolean {
  if (s.status === "open" || s.status === "paused") return true;
  return s.status === "scheduled" && cmp(s.rules.startsAt, at) <= 0 && cmp(at, s.endsAt) < 0;
}

const cmp = Temporal.Instant.compare;

/** Which auction a bid is for: its hashtag, else the one live auction. */
export function pickAuction(
  market: Market,
  tags: string[],
  at: Temporal.Instant,
): { auction: AuctionState | null; problem?: string } {
  const all = Object.values(market.auctions);
  const named = [...new Set(tags)].map((t) => all.find((s) => s.rules.id.toLowerCase() === t))
    .filter((s): s is AuctionState => !!s);
  if (named.length > 1) return { auction: null, problem: "the tweet names several auctions" };
  if (named.length === 1) return { auction: named[0] };
  const live = all.filter((s) => liveAt(s, at));
  if (live.length === 1) return { auction: live[0] };
  if (live.length > 1) {
    const ids = live.map((s) => `#${s.rules.id}`).join(", ");
    return { auction: null, problem: `several auctions are open: name one (${ids})` };
  }
  // None live: the auction the tweet was nearest to, so the reason says "closed" or "not open".
  const started = all.filter((s) => cmp(s.rules.startsAt, at) <= 0 && s.status !== "scheduled")
    .sort((a, b) => cmp(b.rules.startsAt, a.rules.startsAt));
  if (started.length) return { auction: started[0] };
  const next = all.filter((s) => s.status === "scheduled")
    .sort((a, b) => cmp(a.rules.startsAt, b.rules.startsAt));
  return { auction: next[0] ?? null };
}

/** Orders tweets that arrive together: tweet time, then tweet id (numerically when numeric). */
export function byTweetOrder(a: Bid, b: Bid): number {
  return cmp(a.tweetAt, b.tweetAt) || compareIds(a.tweetId, b.tweetId);
}

export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

const eth = (wei: bigint) => {
  const s = wei.toString().padStart(19, "0");
  const frac = s.slice(-18).replace(/0+$/, "");
  return `${s.slice(0, -18)}${frac ? "." + frac : ""} ETH`;
};
export { eth as formatEth };

/**
 * Decides one bid against the market; returns the decision and the new market.
 * `wallet` is null when the funds provider could not answer in time. `blocked`: auctions
 * held scheduled past their start (e.g. custody of the lot failed), with the reason.
 */
export function decide(
  market: Market,
  bid: Bid,
  wallet: Wallet | null,
  blocked: ReadonlyMap<string, string> = new Map(),
): { decision: Decision; market: Market } {
  const parsed = parseBid(bid.text);
  const { auction, problem } = pickAuction(market, parsed.tags, bid.tweetAt);
  const key = bid.handle.toLowerCase();
  const window = bid.tweetAt.subtract({ seconds: market.rateLimit.perSeconds });
  const recent = (market.recent[key] ?? []).filter((t) => cmp(t, window) > 0);
  const limited = recent.filter((t) => cmp(t, bid.tweetAt) <= 0).length >= market.rateLimit.bids;
  const nextMarket: Market = {
    ...market,
    // Only the last `bids` times can matter to the limit.
    recent: { ...market.recent, [key]: [...recent, bid.tweetAt].slice(-market.rateLimit.bids) },
  };

  const reject = (reason: Reason, message: string, amountWei: bigint | null = null) => {
    const decision: Decision = {
      kind: "rejected",
      auctionId: auction?.rules.id ?? null,
      tweetId: bid.tweetId,
      handle: bid.handle,
      amountWei,
      tweetAt: bid.tweetAt,
      reason,
      message,
    };
    if (!auction) return { decision, market: nextMarket };
    const s = { ...auction, decisions: auction.decisions + 1 };
    return { decision, market: withAuction(nextMarket, s) };
  };

  if (limited) {
    return reject(
      "rate_limited",
      `more than ${market.rateLimit.bids} bids in ${market.rateLimit.perSeconds} s: slow down`,
    );
  }
  if (problem) return reject("malformed", problem);
  if (!auction) return reject("not_open", "no auction is open");
  if (!parsed.ok) return reject("malformed", parsed.message);
  const amount = parsed.amountWei;
  const s = auction;
  if (s.status === "cancelled") return reject("closed", "this auction was cancelled", amount);
  if (s.status === "closed") return reject("closed", "this auction has closed", amount);
  if (cmp(bid.tweetAt, s.rules.startsAt) < 0) {
    return reject("not_open", "this auction has not opened yet", amount);
  }
  if (cmp(bid.tweetAt, s.endsAt) >= 0) {
    return reject("closed", "the bid came after the auction ended", amount);
  }
  if (s.status === "paused") return reject("paused", "the auction is paused", amount);
  const block = s.status === "scheduled" ? blocked.get(s.rules.id) : undefined;
  if (block) return reject("not_open", `this auction has not opened: ${block}`, amount);
  if (!wallet) {
    return reject("insufficient_funds", "escrow could not be checked in time: bid again", amount);
  }
  if (!wallet.linked) {
    return reject("not_linked", "link a wallet before bidding", amount);
  }
  const leader = leaderOf(s);
  const minNext = minNextWei(s);
  if (!leader && amount < minNext) {
    return reject("below_reserve", `the reserve is ${eth(minNext)}`, amount);
  }
  if (leader && amount < minNext) {
    return reject("below_increment", `the next bid must be at least ${eth(minNext)}`, amount);
  }
  if (wallet.txRefusal) return reject("insufficient_funds", wallet.txRefusal, amount);
  const available = wallet.balanceWei - heldElsewhere(market, bid.handle, s.rules.id);
  if (amount > available) {
    const left = available > 0n ? available : 0n;
    return reject("insufficient_funds", `escrow available is ${eth(left)}`, amount);
  }

  // Anti-sniping: a late bid moves the end, never past the cap.
  let endsAt = s.endsAt;
  let extended: { from: Temporal.Instant; to: Temporal.Instant } | null = null;
  const windowStart = s.endsAt.subtract({ seconds: s.rules.extensionWindowSeconds });
  if (cmp(bid.tweetAt, windowStart) >= 0) {
    let to = bid.tweetAt.add({ seconds: s.rules.extensionSeconds });
    if (cmp(to, s.rules.maxEndsAt) > 0) to = s.rules.maxEndsAt;
    if (cmp(to, s.endsAt) > 0) {
      extended = { from: s.endsAt, to };
      endsAt = to;
    }
  }
  const accepted: AcceptedBid = {
    tweetId: bid.tweetId,
    handle: bid.handle,
    amountWei: amount,
    tweetAt: bid.tweetAt,
  };
  const next: AuctionState = {
    ...s,
    status: s.status === "scheduled" ? "open" : s.status,
    endsAt,
    extensions: s.extensions + (extended ? 1 : 0),
    bids: [...s.bids, accepted],
    decisions: s.decisions + 1,
  };
  return {
    decision: {
      kind: "accepted",
      auctionId: s.rules.id,
      tweetId: bid.tweetId,
      handle: bid.handle,
      amountWei: amount,
      tweetAt: bid.tweetAt,
      previousLeader: leader ? { handle: leader.handle, amountWei: leader.amountWei } : null,
      endsAt,
      extended,
    },
    market: withAuction(nextMarket, next),
  };
}

/** Decides tweets that arrived together, in tweet order, whatever order they came in. */
export function decideBatch(
  market: Market,
  bids: Bid[],
  walletOf: (handle: string) => Wallet | null,
): { decisions: Decision[]; market: Market } {
  const decisions: Decision[] = [];
  for (const bid of [...bids].sort(byTweetOrder)) {
    const r = decide(market, bid, walletOf(bid.handle));
    decisions.push(r.decision);
    market = r.market;
  }
  return { decisions, market };
}

export function withAuction(market: Market, s: AuctionState): Market {
  return { ...market, auctions: { ...market.auctions, [s.rules.id]: s } };
}

/** True when the auction may close: the clock is past the end and the source has read past end + grace. */
export function mayClose(
  s: AuctionState,
  now: Temporal.Instant,
  readThrough: Temporal.Instant | null,
): boolean {
  if (s.status !== "open" && s.status !== "scheduled") return false;
  if (cmp(now, s.endsAt) < 0 || !readThrough) return false;
  return cmp(readThrough, s.endsAt.add({ seconds: s.rules.ingestGraceSeconds })) >= 0;
}

/** Winner (the leader, if the reserve is met) and runner-up (the best other bidder). */
export function result(s: AuctionState): { winner: Party | null; runnerUp: Party | null } {
  const leader = leaderOf(s);
  if (!leader || leader.amountWei < s.rules.reserveWei) return { winner: null, runnerUp: null };
  let runnerUp: AcceptedBid | null = null;
  for (const b of s.bids) {
    if (sameHandle(b.handle, leader.handle)) continue;
    if (!runnerUp || b.amountWei > runnerUp.amountWei) runnerUp = b;
  }
  const party = (b: AcceptedBid): Party => ({
    handle: b.handle,
    amountWei: b.amountWei,
    tweetId: b.tweetId,
  });
  return { winner: party(leader), runnerUp: runnerUp && party(runnerUp) };
}

export function close(s: AuctionState, at: Temporal.Instant): AuctionState {
  return { ...s, status: "closed", closedAt: at, ...result(s) };
}

export function open(s: AuctionState): AuctionState {
  return s.status === "scheduled" ? { ...s, status: "open" } : s;
}

export type AdminAction =
  | { action: "pause" }
  | { action: "resume" }
  | { action: "extend"; seconds: number }
  | { action: "cancel" }
  | { action: "void"; tweetId: string }
  | { action: "close" }
  | {
    action: "reschedule";
    startsAt: Temporal.Instant;
    endsAt: Temporal.Instant;
    maxEndsAt: Temporal.Instant;
  };

export class AdminError extends Error {
  override name = "AdminError";
}

/** Applies an admin override; throws AdminError when it does not fit the auction's state. */
export function applyAdmin(
  s: AuctionState,
  a: AdminAction,
  now: Temporal.Instant,
): AuctionState {
  const ended = s.status === "closed" || s.status === "cancelled";
  const refuse = (why: string): never => {
    throw new AdminError(`${a.action}: ${why}`);
  };
  switch (a.action) {
    case "pause":
      if (s.status !== "open" && s.status !== "scheduled") refuse(`the auction is ${s.status}`);
      return { ...s, status: "paused" };
    case "resume":
      if (s.status !== "paused") refuse(`the auction is ${s.status}, not paused`);
      return { ...s, status: cmp(now, s.rules.startsAt) < 0 ? "scheduled" : "open" };
    case "extend": {
      if (ended) refuse(`the auction is ${s.status}`);
      if (!(a.seconds > 0)) refuse("seconds must be positive");
      const endsAt = s.endsAt.add({ seconds: a.seconds });
      const maxEndsAt = cmp(endsAt, s.rules.maxEndsAt) > 0 ? endsAt : s.rules.maxEndsAt;
      return { ...s, endsAt, rules: { ...s.rules, maxEndsAt } };
    }
    case "cancel":
      if (ended) refuse(`the auction is ${s.status}`);
      return { ...s, status: "cancelled", closedAt: now, winner: null, runnerUp: null };
    case "void": {
      if (s.status === "cancelled") refuse("the auction is cancelled");
      if (!s.bids.some((b) => b.tweetId === a.tweetId)) {
        refuse(`no accepted bid ${a.tweetId} in this auction`);
      }
      const next = { ...s, bids: s.bids.filter((b) => b.tweetId !== a.tweetId) };
      return s.status === "closed" ? { ...next, ...result(next) } : next;
    }
    case "close":
      if (ended) refuse(`the auction is ${s.status}`);
      return close(s, now);
    case "reschedule":
      if (ended) refuse(`the auction is ${s.status}`);
      if (s.bids.length) refuse("the auction already has bids");
      if (cmp(a.startsAt, a.endsAt) >= 0 || cmp(a.endsAt, a.maxEndsAt) > 0) {
        refuse("need startsAt < endsAt ≤ maxEndsAt");
      }
      return {
        ...s,
        status: s.status === "paused" ? "paused" : "scheduled",
        endsAt: a.endsAt,
        rules: { ...s.rules, startsAt: a.startsAt, endsAt: a.endsAt, maxEndsAt: a.maxEndsAt },
      };
  }
}
