/**
 * Deciding bids: the inbox is taken whole when its job runs (under load,
 * batches grow), sorted by tweet time then id, and decided in groups of
 * `commitGroup`. A group is decided in memory, then recorded; each decision is
 * announced only once its row is committed. A group the database refuses is
 * decided again one by one; a single decision it refuses is rejected with the
 * reason instead, so one bad input costs only its own decision. A bid whose
 * funds cannot be read waits (holding the queue, so tweet order is kept) until
 * `fundsWaitSeconds` after its receipt.
 */
import { type Clock, nyString } from "../../core/clock.ts";
import { pauseAfterFailure } from "../../core/db.ts";
import type { Submitted } from "./auction_runtime.ts";
import { announceDecision } from "./announce.ts";
import { readBid } from "./parse_bid.ts";
import { UnwritableError } from "./recorder.ts";
import {
  type AuctionState,
  type Bid,
  bidderOf,
  byTweetOrder,
  decide,
  type Decision,
  type Wallet,
} from "./rules.ts";
import type { DecisionRecord } from "./store.ts";
import { arm, check, setAuction } from "./runtime_schedule.ts";
import {
  blockReasons,
  type Inbox,
  markTold,
  mirror,
  type RuntimeState,
  updated,
} from "./runtime_state.ts";

const cmp = Temporal.Instant.compare;

/** Tweet ids as X gives them (and `<id>:proxy` rows); anything else is refused unread. */
const TWEET_ID = /^[0-9A-Za-z_-]{1,40}$/;

type Item = Inbox["bids"][number];
type Made = { item: Item; decision: Decision; auction: AuctionState | null };
type Outcome = Made | { item: Item; duplicateOf: string | null };

/** A submitted bid as the inbox holds it; null: its tweet id is impossible (refused unread). */
export function inboxItem(b: Submitted, clock: Clock): Item | null {
  if (!TWEET_ID.test(b.tweetId)) return null;
  return {
    bid: {
      tweetId: b.tweetId,
      handle: b.handle,
      ...(b.authorId ? { bidderId: b.authorId } : {}),
      text: b.text,
      // Milliseconds, as X gives them and as the database drivers return them (Date).
      tweetAt: Temporal.Instant.from(b.tweetAt).round({
        smallestUnit: "millisecond",
        roundingMode: "floor",
      }),
    },
    authorId: b.authorId,
    editHistory: b.editHistory?.filter((id) => TWEET_ID.test(id)).slice(0, 10),
    receivedAt: b.receivedAt ? Temporal.Instant.from(b.receivedAt) : clock.instant(),
    t0: performance.now(),
  };
}

/** Queues the inbox to be decided once this turn of the event loop ends (bids that came together). */
export function queueFlush(st: RuntimeState) {
  if (st.flushQueued || st.stopped) return;
  st.flushQueued = true;
  queueMicrotask(() => {
    st.work.run(() => runInbox(st)).catch((error) =>
      st.o.log.error("deciding a batch failed", { error })
    );
  });
}

/** Takes everything that has arrived by the time it runs. */
async function runInbox(st: RuntimeState) {
  st.flushQueued = false;
  const batch = st.inbox;
  st.inbox = { bids: [], readThrough: null };
  const now = st.o.clock.instant();
  batch.bids.sort((a, b) => byTweetOrder(a.bid, b.bid));
  await check(st, now); // open what is due before deciding
  for (let i = 0; i < batch.bids.length; i += st.o.commitGroup) {
    await decideGroup(st, batch.bids.slice(i, i + st.o.commitGroup), now);
  }
  if (batch.readThrough && (!st.watermark || cmp(batch.readThrough, st.watermark) > 0)) {
    st.watermark = batch.readThrough;
  }
  await check(st, now);
}

async function walletFor(
  st: RuntimeState,
  { handle, bidderId }: Bid,
  deadline: Temporal.Instant,
  tx?: { hash: string; amountWei: bigint },
): Promise<Wallet | null> {
  const { o } = st;
  for (;;) {
    try {
      const funds = o.funds();
      const address = await funds.walletOf(handle, bidderId);
      if (!address) return { linked: false, balanceWei: 0n };
      const wallet: Wallet = { linked: true, balanceWei: await funds.balanceOf(handle, bidderId) };
      // A named deposit is checked only when the chain is there to check it.
      const chain = tx && o.chain?.();
      if (chain) {
        const check = await chain.verifyDepositTx(handle, tx.hash, tx.amountWei, bidderId);
        if (!check.ok) wallet.txRefusal = check.message;
      }
      return wallet;
    } catch (error) {
      o.log.warn("funds unavailable; the bid waits", { handle, error });
      if (st.stopped || cmp(o.clock.instant(), deadline) >= 0) return null;
      await pauseAfterFailure(o.store, o.clock.sleep(o.fundsRetrySeconds * 1000));
    }
  }
}

/** Decides a group in tweet order, in memory; `now` moves on when a bid waited for funds. */
async function decideInMemory(st: RuntimeState, items: Item[], now: Temporal.Instant) {
  const made: Outcome[] = [];
  // Tweets decided before, or earlier in this group (`seen` takes them once recorded).
  const fresh = new Map<string, string | null>();
  const decidedOf = (id: string) => (fresh.has(id) ? fresh.get(id) : st.seen.get(id));
  const decided = (id: string) => fresh.has(id) || st.seen.has(id);
  let m = st.market;
  for (const item of items) {
    const { bid } = item;
    if (decided(bid.tweetId)) {
      made.push({ item, duplicateOf: decidedOf(bid.tweetId) ?? null });
      continue;
    }
    const edits = item.editHistory?.find((id) => id !== bid.tweetId && decided(id));
    const deadline = item.receivedAt.add({ seconds: st.o.fundsWaitSeconds });
    const read = readBid(bid.text);
    const tx = read.kind === "bid" && read.txHash && !edits
      ? { hash: read.txHash, amountWei: read.amountWei }
      : undefined;
    const wallet = await walletFor(st, bid, deadline, tx);
    if (cmp(st.o.clock.instant(), now) > 0) now = st.o.clock.instant(); // it waited
    const r = decide(m, edits ? { ...bid, edits } : bid, wallet, blockReasons(st));
    const auction = r.decision.auctionId ? r.market.auctions[r.decision.auctionId] : null;
    fresh.set(bid.tweetId, r.decision.auctionId);
    m = r.market;
    made.push({ item, decision: r.decision, auction });
  }
  return { made, market: m, now };
}

async function decideGroup(st: RuntimeState, items: Item[], now0: Temporal.Instant) {
  const { log } = st.o;
  const { made, now, ...rest } = await decideInMemory(st, items, now0);
  // Stamped when the group was decided, not when its batch was taken: the batch's earlier groups
  // took time, and `decided_at − received_at` is the latency the operator reads.
  const clockNow = st.o.clock.instant();
  const decidedAt = cmp(clockNow, now) > 0 ? clockNow : now;
  let m = rest.market;
  const toRecord = made.filter((x): x is Made => "decision" in x);
  const rows = (list: Made[]): DecisionRecord[] =>
    list.map(({ item, decision, auction }) => ({
      decision,
      authorId: item.authorId,
      text: item.bid.text,
      receivedAt: item.receivedAt,
      decidedAt,
      auction,
    }));
  let written: boolean[] = [];
  try {
    if (toRecord.length) written = await st.recorder.record(rows(toRecord));
  } catch (error) {
    if (!(error instanceof UnwritableError)) throw error;
    if (items.length > 1) {
      for (const item of items) await decideGroup(st, [item], now);
      return;
    }
    const [{ item }] = toRecord;
    const decision = unrecordable(item.bid, error.message);
    log.error("a decision could not be recorded; the bid is rejected", {
      tweetId: item.bid.tweetId,
      error: error.message,
    });
    m = st.market;
    toRecord[0] = made[0] = { item, decision, auction: null };
    written = await st.recorder.record(rows(toRecord)).catch((again) => {
      if (!(again instanceof UnwritableError)) throw again;
      return [true]; // not even the rejection fits: it is told, never stored
    });
  }
  st.market = { ...m, auctions: st.market.auctions };
  for (const x of toRecord) {
    st.seen.set(x.item.bid.tweetId, x.decision.auctionId);
    if (x.auction) setAuction(st, x.auction);
  }
  await tell(st, made, written, now);
}

/** Announces what was recorded; a tweet another writer recorded first reloads the market. */
async function tell(st: RuntimeState, made: Outcome[], written: boolean[], now: Temporal.Instant) {
  let i = 0;
  let resync = false;
  const telling: Promise<void>[] = [];
  const toldIds: string[] = [];
  for (const x of made) {
    if (!("decision" in x)) {
      duplicate(st, x.item.bid, x.duplicateOf, now);
    } else if (!written[i++]) {
      // Another writer recorded this tweet first: our state is suspect; reload it.
      st.o.log.error("tweet already recorded by another writer", { tweetId: x.item.bid.tweetId });
      resync = true;
      duplicate(st, x.item.bid, x.decision.auctionId, now);
    } else {
      telling.push(announceDecision(st.o.bus, x.decision, now));
      toldIds.push(x.decision.tweetId);
      if (x.auction && x.decision.kind === "accepted") updated(st, x.auction, now);
      st.o.observe?.(performance.now() - x.item.t0);
    }
  }
  if (toldIds.length) markTold(st, telling, toldIds);
  if (resync) {
    st.market = await st.o.store.loadMarket(st.limits, st.o.clock.instant());
    for (const s of Object.values(st.market.auctions)) {
      mirror(st, s);
      arm(st, s);
    }
  }
}

/** The rejection of a bid whose decision the database refused (it names no auction). */
const unrecordable = (bid: Bid, error: string): Decision => ({
  kind: "rejected",
  auctionId: null,
  tweetId: bid.tweetId,
  handle: bid.handle,
  bidderId: bidderOf(bid),
  amountWei: null,
  amountText: null,
  tweetAt: bid.tweetAt,
  reason: "malformed",
  message: `this bid could not be recorded (${error.slice(0, 120)}): tweet it again, e.g. ` +
    "bid 2.5 ETH",
});

function duplicate(st: RuntimeState, bid: Bid, auctionId: string | null, now: Temporal.Instant) {
  st.o.bus.emit("bid.rejected", {
    auctionId,
    tweetId: bid.tweetId,
    handle: bid.handle,
    reason: "duplicate",
    message: "this tweet was already decided",
    at: nyString(bid.tweetAt),
  }, now);
}
