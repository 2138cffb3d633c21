/**
 * The auction rules as pure functions: `decide(market, bid, wallet)` returns
 * the decision and the new market, never touching I/O, so the same inputs
 * always give the same decisions (rehearsals, property tests, crash recovery).
 *
 * A market is every auction the engine knows, because funds are shared:
 * a bidder's leading bids (and the maximum above them) elsewhere reserve part
 * of their escrow. Bidders are X user ids, not handles: a handle that changes
 * owner is another bidder.
 */
import { type BidRead, readBid } from "./parse_bid.ts";
import { activeMaximum, cancelMaximum, minAfter, place } from "./proxy.ts";

export const REASONS = [
  "malformed",
  "not_open",
  "closed",
  "paused",
  "not_linked",
  "insufficient_funds",
  "below_reserve",
  "below_increment",
  "maximum_refused",
  "edited",
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

/** An entry of the bid log: a tweet's bid, or an automatic raise of a maximum (`proxy`). */
export interface AcceptedBid {
  /** The row: the tweet id, or `<causing tweet id>:proxy` for an automatic raise. */
  rowId: string;
  /** The bidder's tweet it stands for (for a raise: the tweet that placed the maximum). */
  tweetId: string;
  handle: string;
  /** The X user id (the lower-case handle when the source gave none). */
  bidderId: string;
  amountWei: bigint;
  /** The tweet's time (for a raise: the time of the bid that caused it). */
  tweetAt: Temporal.Instant;
  proxy: boolean;
}

/** A bidder's maximum (never announced): the tweet that set it, and its value. */
export interface Maximum {
  tweetId: string;
  handle: string;
  maxWei: bigint;
  tweetAt: Temporal.Instant;
}

export interface Party {
  handle: string;
  amountWei: bigint;
  tweetId: string;
  bidderId?: string;
}

export interface AuctionState {
  rules: AuctionRules;
  status: Status;
  /** The current end, after extensions. */
  endsAt: Temporal.Instant;
  extensions: number;
  /** The bid log: accepted, not voided entries in order (the last one leads). */
  bids: AcceptedBid[];
  /** Each bidder's latest maximum; only the leader's can act (see proxy.ts). */
  maxima: Record<string, Maximum>;
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
  /** The most a bid (or a maximum) may be; above it a bid is `malformed`. */
  maxBidWei: bigint;
  /** Tweet times of each bidder's recent bids (by bidder id), for the rate limit. */
  recent: Record<string, Temporal.Instant[]>;
}

export interface Bid {
  tweetId: string;
  handle: string;
  /** The author's X user id; absent only from sources that cannot tell (then the handle). */
  bidderId?: string;
  text: string;
  tweetAt: Temporal.Instant;
  /** An edit of this tweet, which was decided already: never a second bid. */
  edits?: string;
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
    bidderId: string;
    /** A bid, a maximum (placed, raised or lowered) or `cancel max`. */
    action: "bid" | "max" | "cancel-max";
    /** The tweet's own bid in the log (null: it changed only the bidder's maximum). */
    amountWei: bigint | null;
    /** The amount as written in the tweet. */
    amountText: string | null;
    /** The bidder's maximum after the tweet (secret; stored, never announced). */
    maxWei: bigint | null;
    /** What the decision added to the bid log, in order. */
    entries: AcceptedBid[];
    /** The bidder leads after it (false: a maximum placed earlier answered at once). */
    leads: boolean;
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
    bidderId: string;
    amountWei: bigint | null;
    amountText: string | null;
    tweetAt: Temporal.Instant;
    reason: Reason;
    message: string;
    /** The decided tweet this one edits. */
    edits?: string;
  };

/** Who a bid is from: the X user id, else the lower-case handle. */
export const bidderOf = (b: { bidderId?: string; handle: string }) =>
  b.bidderId || b.handle.toLowerCase();

/** A fresh auction, scheduled. */
export function newAuction(rules: AuctionRules): AuctionState {
  return {
    rules,
    status: "scheduled",
    endsAt: rules.endsAt,
    extensions: 0,
    bids: [],
    maxima: {},
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

/** The least the next bid may be: the reserve, or the leader plus the increment (readable). */
export function minNextWei(state: AuctionState): bigint {
  const leader = leaderOf(state);
  return leader ? minAfter(state.rules, leader.amountWei) : state.rules.reserveWei;
}

/** Auctions whose funds a leader or unpaid winner holds. */
const holdsFunds = (s: AuctionState) =>
  s.status === "open" || s.status === "paused" || s.status === "scheduled" ||
  (s.status === "closed" && !s.settled);

/** What a bidder holds in one auction: their lead and the maximum above it, or their unpaid win. */
export function heldIn(s: AuctionState, bidderId: string): bigint {
  if (!holdsFunds(s)) return 0n;
  if (s.status === "closed") {
    return s.winner && bidderOf(s.winner) === bidderId ? s.winner.amountWei : 0n;
  }
  const lead = leaderOf(s);
  if (!lead || lead.bidderId !== bidderId) return 0n;
  return activeMaximum(s)?.maxWei ?? lead.amountWei;
}

/** The part of a bidder's escrow held by their leads (or unpaid wins) in other auctions. */
export function heldElsewhere(market: Market, bidderId: string, exceptId: string): bigint {
  let held = 0n;
  for (const s of Object.values(market.auctions)) {
    if (s.rules.id !== exceptId) held += heldIn(s, bidderId);
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

const tagsOf = (read: BidRead) => ("tags" in read ? read.tags : []);

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
  const read = readBid(bid.text);
  const { auction, problem } = pickAuction(market, tagsOf(read), bid.tweetAt);
  const bidderId = bidderOf(bid);
  const window = bid.tweetAt.subtract({ seconds: market.rateLimit.perSeconds });
  const recent = (market.recent[bidderId] ?? []).filter((t) => cmp(t, window) > 0);
  const limited = recent.filter((t) => cmp(t, bid.tweetAt) <= 0).length >= market.rateLimit.bids;
  const nextMarket: Market = {
    ...market,
    // Only the last `bids` times can matter to the limit.
    recent: {
      ...market.recent,
      [bidderId]: [...recent, bid.tweetAt].slice(-market.rateLimit.bids),
    },
  };
  const amountText = read.kind === "bid" || read.kind === "malformed"
    ? read.amountText ?? null
    : null;

  const reject = (reason: Reason, message: string, amountWei: bigint | null = null) => {
    const decision: Decision = {
      kind: "rejected",
      auctionId: auction?.rules.id ?? null,
      tweetId: bid.tweetId,
      handle: bid.handle,
      bidderId,
      amountWei,
      amountText,
      tweetAt: bid.tweetAt,
      reason,
      message,
      ...(bid.edits ? { edits: bid.edits } : {}),
    };
    if (!auction) return { decision, market: nextMarket };
    const s = { ...auction, decisions: auction.decisions + 1 };
    return { decision, market: withAuction(nextMarket, s) };
  };

  if (bid.edits) {
    return reject(
      "edited",
      `this edits tweet ${bid.edits}, which was already decided: the original stands ` +
        "(an edit is never a second bid)",
    );
  }
  if (limited) {
    return reject(
      "rate_limited",
      `more than ${market.rateLimit.bids} bids in ${market.rateLimit.perSeconds} s: slow down`,
    );
  }
  if (problem) return reject("malformed", problem);
  if (!auction) return reject("not_open", "no auction is open");
  if (read.kind === "not-bid") return reject("malformed", `not a bid: ${read.hint ?? read.why}`);
  if (read.kind === "malformed") return reject("malformed", read.message);
  const amount = read.kind === "bid" ? read.amountWei : null;
  if (amount !== null && amount > market.maxBidWei) {
    return reject("malformed", `a bid may be at most ${eth(market.maxBidWei)}`);
  }
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
  if (!wallet.linked) return reject("not_linked", "link a wallet before bidding", amount);

  const judged = judge(market, s, { ...bid, bidderId }, read, wallet);
  if ("reason" in judged) return reject(judged.reason, judged.message, amount);
  const leader = leaderOf(s);
  const { action, next, entries, leads } = judged;
  const own = entries.find((e) => e.rowId === bid.tweetId);
  const extended = entries.length ? extension(s, bid.tweetAt) : null;
  const after: AuctionState = {
    ...next,
    status: s.status === "scheduled" ? "open" : s.status,
    endsAt: extended?.to ?? s.endsAt,
    extensions: s.extensions + (extended ? 1 : 0),
    decisions: s.decisions + 1,
  };
  const decision: Decision = {
    kind: "accepted",
    auctionId: s.rules.id,
    tweetId: bid.tweetId,
    handle: bid.handle,
    bidderId,
    action,
    amountWei: own?.amountWei ?? null,
    amountText,
    maxWei: after.maxima[bidderId]?.maxWei ?? null,
    entries,
    leads,
    tweetAt: bid.tweetAt,
    previousLeader: leader ? { handle: leader.handle, amountWei: leader.amountWei } : null,
    endsAt: after.endsAt,
    extended,
  };
  return { decision, market: withAuction(nextMarket, after) };
}

/**
 * A readable bid (or maximum, or `cancel max`) from a linked bidder on an open auction:
 * refused against the minimum, the maximum rules and the escrow, or placed (proxy.ts).
 */
function judge(
  market: Market,
  s: AuctionState,
  bid: Bid & { bidderId: string },
  read: Extract<BidRead, { kind: "bid" | "cancel-max" }>,
  wallet: Wallet,
):
  | { reason: Reason; message: string }
  | {
    action: "bid" | "max" | "cancel-max";
    next: AuctionState;
    entries: AcceptedBid[];
    leads: boolean;
  } {
  const leader = leaderOf(s);
  const leads = leader?.bidderId === bid.bidderId;
  if (read.kind === "cancel-max") {
    if (!leads || !activeMaximum(s)) {
      return {
        reason: "maximum_refused",
        message: "you have no maximum above your current bid to cancel",
      };
    }
    return { action: "cancel-max", next: cancelMaximum(s, bid.bidderId), entries: [], leads };
  }
  const value = read.amountWei;
  const minNext = minNextWei(s);
  if (leads && read.max) {
    if (value <= leader.amountWei) {
      return {
        reason: "maximum_refused",
        message: `your current bid is ${eth(leader.amountWei)}: a maximum must be above it ` +
          "(tweet cancel max to stop raising)",
      };
    }
  } else if (value < minNext) {
    const what = read.max ? "a maximum" : "the next bid";
    return leader
      ? { reason: "below_increment", message: `${what} must be at least ${eth(minNext)}` }
      : { reason: "below_reserve", message: `the reserve is ${eth(minNext)}` };
  }
  if (wallet.txRefusal) return { reason: "insufficient_funds", message: wallet.txRefusal };
  // Escrow covers the maximum; a leader's maximum above a new plain bid of theirs stays held.
  const kept = leads && !read.max ? activeMaximum(s)?.maxWei ?? 0n : 0n;
  const needed = value > kept ? value : kept;
  const available = wallet.balanceWei - heldElsewhere(market, bid.bidderId, s.rules.id);
  if (needed > available) {
    const left = available > 0n ? available : 0n;
    return { reason: "insufficient_funds", message: `escrow available is ${eth(left)}` };
  }
  const placed = place(s, { ...bid, amountWei: value, max: read.max });
  return {
    action: read.max ? "max" : "bid",
    next: placed.state,
    entries: placed.entries,
    leads: placed.leads,
  };
}

/** Anti-sniping: a bid within the window of the end moves it to tweet time + extension, never past the cap. */
function extension(
  s: AuctionState,
  at: Temporal.Instant,
): { from: Temporal.Instant; to: Temporal.Instant } | null {
  const windowStart = s.endsAt.subtract({ seconds: s.rules.extensionWindowSeconds });
  if (cmp(at, windowStart) < 0) return null;
  let to = at.add({ seconds: s.rules.extensionSeconds });
  if (cmp(to, s.rules.maxEndsAt) > 0) to = s.rules.maxEndsAt;
  return cmp(to, s.endsAt) > 0 ? { from: s.endsAt, to } : null;
}

/** Decides tweets that arrived together, in tweet order, whatever order they came in. */
export function decideBatch(
  market: Market,
  bids: Bid[],
  walletOf: (bid: Bid) => Wallet | null,
): { decisions: Decision[]; market: Market } {
  const decisions: Decision[] = [];
  for (const bid of [...bids].sort(byTweetOrder)) {
    const r = decide(market, bid, walletOf(bid));
    decisions.push(r.decision);
    market = r.market;
  }
  return { decisions, market };
}

/**
 * The auction with this id, own entries only: an id from outside (a URL, the panel) such as
 * `constructor` or `toString` would otherwise find Object's, and an auction may be so named.
 */
export function auctionById(market: Market, id: string): AuctionState | undefined {
  return Object.hasOwn(market.auctions, id) ? market.auctions[id] : undefined;
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
    if (b.bidderId === leader.bidderId) continue;
    if (!runnerUp || b.amountWei > runnerUp.amountWei) runnerUp = b;
  }
  const party = (b: AcceptedBid): Party => ({
    handle: b.handle,
    amountWei: b.amountWei,
    tweetId: b.tweetId,
    bidderId: b.bidderId,
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
  /** A tweet's bid, its maximum and the raises made for it; or one raise by its row id. */
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
      const hit = (b: AcceptedBid) => b.tweetId === a.tweetId || b.rowId === a.tweetId;
      const voided = s.bids.filter(hit);
      if (!voided.length) refuse(`no accepted bid ${a.tweetId} in this auction`);
      // The maximum the voided bids stand for can no longer raise anything.
      const maxima = Object.fromEntries(
        Object.entries(s.maxima).filter(([, m]) => !voided.some((b) => b.tweetId === m.tweetId)),
      );
      const next = { ...s, bids: s.bids.filter((b) => !hit(b)), maxima };
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
