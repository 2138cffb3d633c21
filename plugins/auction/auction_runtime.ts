/**
 * The running auction: one serial queue of work (decisions, admin overrides,
 * opening and closing), so the pure rules always see one consistent market.
 * Tweets that arrive together (in the same turn of the event loop) are sorted
 * by tweet time then id before they are decided. Each decision is written to
 * Postgres before it is announced on the bus and mirrored to the state store.
 */
import type { Bus } from "../../core/bus.ts";
import type { Cancel, Clock } from "../../core/clock.ts";
import { nyString } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";
import { serialQueue } from "../../core/serial_queue.ts";
import type { StateStore } from "../../core/state.ts";
import { announceDecision, deliverAll } from "./announce.ts";
import type { Funds } from "./funds.ts";
import { readBid } from "./parse_bid.ts";
import { createRecorder, UnwritableError } from "./recorder.ts";
import {
  type AdminAction,
  AdminError,
  applyAdmin,
  type AuctionRules,
  type AuctionState,
  type Bid,
  bidderOf,
  byTweetOrder,
  close,
  decide,
  type Decision,
  heldElsewhere,
  leaderOf,
  type Market,
  mayClose,
  newAuction,
  open,
  type RateLimit,
  type Wallet,
  withAuction,
} from "./rules.ts";
import { type AuctionSnapshot, snapshot, toJson } from "./snapshot.ts";
import type { AuctionStore, DecisionRecord } from "./store.ts";

/** A `bid.submitted` as the tweet source (the x plugin) sends it; declared there, read here. */
export interface Submitted {
  tweetId: string;
  authorId?: string;
  handle: string;
  text: string;
  tweetAt: string;
  receivedAt?: string;
  /** X's `edit_history_tweet_ids`: every version of the tweet, oldest first. */
  editHistory?: string[];
}

/** Tweet ids as X gives them (and `<id>:proxy` rows); anything else is refused unread. */
const TWEET_ID = /^[0-9A-Za-z_-]{1,40}$/;

/** What the auction asks of the chain plugin when it is there (a subset of its `chain` service). */
export interface ChainGate {
  /** null: the chain knows no token for this auction, so there is nothing to check. */
  checkAuctionCustody(
    auctionId: string,
    item: string,
  ): Promise<{ ok: true } | { ok: false; reason: string } | null>;
  verifyDepositTx(
    handle: string,
    txHash: string,
    minWei: bigint,
    xUserId?: string,
  ): Promise<{ ok: true } | { ok: false; message: string }>;
}

export interface RuntimeOptions {
  bus: Bus;
  clock: Clock;
  log: Log;
  state: StateStore;
  store: AuctionStore;
  funds: () => Funds;
  /** The chain service, when a listed plugin provides it (custody gate, deposit-by-tx). */
  chain?: () => ChainGate | undefined;
  /** How often an auction held back by custody is checked again. */
  custodyRecheckSeconds?: number;
  /** "tweets": close once `tweets.read-through` passes end + grace; "clock": the clock is the watermark. */
  watermark: "tweets" | "clock";
  rateLimit: RateLimit;
  /** The most a bid (or maximum) may be. */
  maxBidWei: bigint;
  fundsWaitSeconds: number;
  fundsRetrySeconds: number;
  /** Most decisions of one batch committed in one transaction (1: each its own). */
  commitGroup: number;
  /** Observes each decision's latency from receipt (ms), for metrics. */
  observe?: (ms: number) => void;
}

export interface AdminBy {
  actor: string;
  reason: string;
}

export interface AuctionRuntime {
  list(): AuctionSnapshot[];
  get(id: string): AuctionSnapshot | null;
  /** Creates an auction unless its id exists; returns its snapshot either way. */
  create(rules: AuctionRules): Promise<AuctionSnapshot>;
  admin(auctionId: string | null, action: AdminAction, by: AdminBy): Promise<AuctionSnapshot>;
  /** What `admin` would change, without changing it (AdminError when it would be refused). */
  previewAdmin(
    auctionId: string | null,
    action: AdminAction,
  ): Promise<{ before: AuctionSnapshot; after: AuctionSnapshot }>;
  /** Marks a closed auction paid, freeing nothing but the hold on the winner's escrow. */
  settle(auctionId: string): Promise<void>;
  /**
   * Tells the bus where every auction stands, once every plugin listens (engine start):
   * each live one's state (a decision committed just before a crash may never have been
   * announced, and the screen must be right at once), and again every closed auction not
   * yet settled. A crash can fall between a closing's commit and its listeners' own writes
   * (settlement's plan, the winner's notice); both are idempotent, so saying it again loses
   * nothing.
   */
  announceState(): void;
  /**
   * At engine start: tells again, in order, the decisions recorded but not told to every
   * listener before a crash (the announcement outbox), then `announceState`.
   */
  resume(): Promise<void>;
  submit(bid: Submitted): void;
  /** Auctions due to open but held scheduled, with why (e.g. custody of the lot failed). */
  blocked(): Record<string, string>;
  /**
   * A credited deposit was reversed (reorg): leads of the wallet's bidder (the account that
   * owns the wallet, when the funds provider names it) that their balance no longer covers
   * are voided by the system, largest first.
   */
  depositReversed(address: string, xUserId?: string | null): Promise<void>;
  readThrough(until: Temporal.Instant): void;
  /** Resolves when no work is queued. */
  idle(): Promise<void>;
  /** Set while decisions wait for a database that does not answer. */
  waiting(): { since: Temporal.Instant; error: string } | null;
  /** The state as rebuilt on start, for tests. */
  market(): Market;
  stop(): void;
}

interface Inbox {
  bids: Array<{
    bid: Bid;
    authorId?: string;
    editHistory?: string[];
    receivedAt: Temporal.Instant;
    t0: number;
  }>;
  readThrough: Temporal.Instant | null;
}

const cmp = Temporal.Instant.compare;

export async function startAuctionRuntime(o: RuntimeOptions): Promise<AuctionRuntime> {
  const { bus, clock, log, store } = o;
  const limits = { rateLimit: o.rateLimit, maxBidWei: o.maxBidWei };
  let market = await store.loadMarket(limits, clock.instant());
  const recorder = createRecorder({ store, clock, log });
  let watermark: Temporal.Instant | null = null;
  const work = serialQueue();
  let inbox: Inbox = { bids: [], readThrough: null };
  let jobQueued = false;
  let resync = false;
  /** Tweet ids already decided: duplicates are answered without a write. */
  const seen = new Map(await store.tweetIds());

  let stopped = false;
  const timers = new Map<string, Cancel[]>();
  /** Auctions held scheduled past their start: why, and when to check again. */
  const blocked = new Map<string, { reason: string; recheckAt: Temporal.Instant }>();
  const blockReasons = () =>
    new Map(
      [...blocked].filter(([id]) => market.auctions[id]?.status === "scheduled")
        .map(([id, b]) => [id, b.reason]),
    );
  const rechecks = new Map<string, Cancel>();

  const serial = <T>(job: () => Promise<T>): Promise<T> => work.run(job);

  /** Outbox rows go once every listener has taken their events (not holding the queue). */
  const marking = new Set<Promise<void>>();
  const markTold = (telling: Promise<void>[], tweetIds: string[]) => {
    const work = Promise.all(telling).then(() => store.told(tweetIds)).catch((error) =>
      log.warn("marking decisions told failed; they are told again at start", { error })
    );
    marking.add(work);
    work.finally(() => marking.delete(work));
  };

  const mirror = (s: AuctionState) => {
    o.state.set(`auction:${s.rules.id}`, toJson(snapshot(s))).catch((error) =>
      log.warn("state mirror failed", { error })
    );
  };
  const updated = (s: AuctionState, at: Temporal.Instant) => {
    mirror(s);
    bus.emit("auction.updated", snapshot(s), at);
  };

  const arm = (s: AuctionState) => {
    for (const cancel of timers.get(s.rules.id) ?? []) cancel();
    const cancels: Cancel[] = [];
    if (s.status === "scheduled") {
      cancels.push(clock.at(s.rules.startsAt, () => enqueueCheck(s.rules.startsAt)));
    }
    if (s.status === "scheduled" || s.status === "open") {
      cancels.push(clock.at(s.endsAt, () => enqueueCheck(s.endsAt)));
      const graceEnd = s.endsAt.add({ seconds: s.rules.ingestGraceSeconds });
      cancels.push(clock.at(graceEnd, () => enqueueCheck(graceEnd)));
    }
    timers.set(s.rules.id, cancels);
  };

  const setAuction = (s: AuctionState) => {
    const before = market.auctions[s.rules.id];
    market = withAuction(market, s);
    if (
      !before || before.status !== s.status || !before.endsAt.equals(s.endsAt) ||
      !before.rules.startsAt.equals(s.rules.startsAt)
    ) arm(s);
  };

  /** Opens what is due and closes what may close, as of `now`. */
  const check = async (now: Temporal.Instant) => {
    const wm = o.watermark === "clock" ? now : watermark;
    for (const s0 of Object.values(market.auctions)) {
      let s = s0;
      const due = s.status === "scheduled" && cmp(now, s.rules.startsAt) >= 0;
      const ended = cmp(now, s.endsAt) >= 0;
      if (due && (ended ? blocked.has(s.rules.id) : !(await custodyHolds(s, now)))) {
        // Held scheduled: it opens once custody is fixed, or closes unopened at its end.
      } else if (due) {
        blocked.delete(s.rules.id);
        s = open(s);
        await store.saveAuction(s);
        setAuction(s);
        const p = snapshot(s);
        bus.emit("auction.opened", {
          auctionId: p.auctionId,
          item: p.item,
          startsAt: p.startsAt,
          endsAt: p.endsAt,
        }, now);
        updated(s, now);
      }
      if (mayClose(s, now, wm)) {
        s = close(s, now);
        blocked.delete(s.rules.id);
        await store.saveAuction(s);
        setAuction(s);
        announceClose(s, now);
        updated(s, now);
      }
    }
  };

  /** The custody gate: true when the lot may be sold (or there is no chain to ask). */
  const custodyHolds = async (s: AuctionState, now: Temporal.Instant): Promise<boolean> => {
    const chain = o.chain?.();
    if (!chain) return true;
    const id = s.rules.id;
    const held = blocked.get(id);
    if (held && cmp(now, held.recheckAt) < 0) return false;
    let reason: string | null;
    try {
      const custody = await chain.checkAuctionCustody(id, s.rules.item);
      reason = !custody || custody.ok ? null : `custody: ${custody.reason}`;
    } catch (error) {
      reason = `custody could not be checked: ${(error as Error).message.split("\n")[0]}`;
    }
    if (!reason) return true;
    const ms = (o.custodyRecheckSeconds ?? 30) * 1000;
    blocked.set(id, { reason, recheckAt: now.add({ milliseconds: ms }) });
    rechecks.get(id)?.();
    rechecks.set(id, clock.after(ms, () => enqueueCheck(clock.instant())));
    if (held?.reason !== reason) {
      const snap = JSON.parse(toJson(snapshot(s)));
      await store.saveAuction(s, {
        auctionId: id,
        actor: "system",
        action: { action: "blocked", reason },
        reason,
        at: now,
        before: snap,
        after: snap,
      });
      log.warn("auction held back", { auctionId: id, reason });
      bus.emit("auction.blocked", { auctionId: id, reason }, now);
    }
    return false;
  };

  const announceClose = (s: AuctionState, now: Temporal.Instant) => {
    bus.emit("auction.closed", {
      auctionId: s.rules.id,
      winner: s.winner,
      runnerUp: s.runnerUp && { handle: s.runnerUp.handle, amountWei: s.runnerUp.amountWei },
      at: nyString(s.closedAt ?? now),
    }, now);
  };

  const enqueueCheck = (now: Temporal.Instant) => {
    if (!stopped) serial(() => check(now)).catch((error) => log.error("check failed", { error }));
  };

  const walletFor = async (
    { handle, bidderId }: Bid,
    deadline: Temporal.Instant,
    tx?: { hash: string; amountWei: bigint },
  ): Promise<Wallet | null> => {
    for (;;) {
      try {
        const funds = o.funds();
        const address = await funds.walletOf(handle, bidderId);
        if (!address) return { linked: false, balanceWei: 0n };
        const wallet: Wallet = {
          linked: true,
          balanceWei: await funds.balanceOf(handle, bidderId),
        };
        // A named deposit is checked only when the chain is there to check it.
        const chain = tx && o.chain?.();
        if (chain) {
          const check = await chain.verifyDepositTx(handle, tx.hash, tx.amountWei, bidderId);
          if (!check.ok) wallet.txRefusal = check.message;
        }
        return wallet;
      } catch (error) {
        // Unavailable (or broken): the bid waits, holding the queue so tweet order is kept.
        log.warn("funds unavailable; the bid waits", { handle, error });
        if (stopped || cmp(clock.instant(), deadline) >= 0) return null;
        await clock.sleep(o.fundsRetrySeconds * 1000);
      }
    }
  };

  /**
   * Decides a group of bids in tweet order, in memory, then records them; each is
   * announced only once its row is committed. With `commitGroup` 1 (the default)
   * each decision is its own transaction; larger groups let decisions that arrived
   * together share one commit (all or none of them survive a crash, in order). A group
   * the database refuses is decided again one by one; a single decision it refuses is
   * rejected with the reason instead, so one bad input costs only its own decision.
   */
  const decideGroup = async (items: Inbox["bids"], now: Temporal.Instant): Promise<void> => {
    type Item = Inbox["bids"][number];
    type Made = { item: Item; decision: Decision; auction: AuctionState | null };
    const made: Array<Made | { item: Item; duplicateOf: string | null }> = [];
    // Tweets decided before, or earlier in this group (`seen` takes them once recorded).
    const fresh = new Map<string, string | null>();
    const decidedOf = (id: string) => (fresh.has(id) ? fresh.get(id) : seen.get(id));
    const decided = (id: string) => fresh.has(id) || seen.has(id);
    let m = market;
    for (const item of items) {
      const { bid } = item;
      if (decided(bid.tweetId)) {
        made.push({ item, duplicateOf: decidedOf(bid.tweetId) ?? null });
        continue;
      }
      const edits = item.editHistory?.find((id) => id !== bid.tweetId && decided(id));
      const deadline = item.receivedAt.add({ seconds: o.fundsWaitSeconds });
      const read = readBid(bid.text);
      const tx = read.kind === "bid" && read.txHash && !edits
        ? { hash: read.txHash, amountWei: read.amountWei }
        : undefined;
      const wallet = await walletFor(bid, deadline, tx);
      if (Temporal.Instant.compare(clock.instant(), now) > 0) now = clock.instant(); // it waited
      const r = decide(m, edits ? { ...bid, edits } : bid, wallet, blockReasons());
      const auction = r.decision.auctionId ? r.market.auctions[r.decision.auctionId] : null;
      fresh.set(bid.tweetId, r.decision.auctionId);
      m = r.market;
      made.push({ item, decision: r.decision, auction });
    }
    const toRecord = made.filter((x): x is Made => "decision" in x);
    const rows = (list: Made[]): DecisionRecord[] =>
      list.map(({ item, decision, auction }) => ({
        decision,
        authorId: item.authorId,
        text: item.bid.text,
        receivedAt: item.receivedAt,
        decidedAt: now,
        auction,
      }));
    let written: boolean[] = [];
    try {
      if (toRecord.length) written = await recorder.record(rows(toRecord));
    } catch (error) {
      if (!(error instanceof UnwritableError)) throw error;
      if (items.length > 1) {
        for (const item of items) await decideGroup([item], now);
        return;
      }
      const [{ item }] = toRecord;
      const decision = unrecordable(item.bid, error.message);
      log.error("a decision could not be recorded; the bid is rejected", {
        tweetId: item.bid.tweetId,
        error: error.message,
      });
      m = market;
      toRecord[0] = made[0] = { item, decision, auction: null };
      written = await recorder.record(rows(toRecord)).catch((again) => {
        if (!(again instanceof UnwritableError)) throw again;
        return [true]; // not even the rejection fits: it is told, never stored
      });
    }
    market = { ...m, auctions: market.auctions };
    for (const x of toRecord) {
      seen.set(x.item.bid.tweetId, x.decision.auctionId);
      if (x.auction) setAuction(x.auction);
    }
    let i = 0;
    const telling: Promise<void>[] = [];
    const toldIds: string[] = [];
    for (const x of made) {
      if (!("decision" in x)) {
        duplicate(x.item.bid, x.duplicateOf, now);
      } else if (!written[i++]) {
        // Another writer recorded this tweet first: our state is suspect; reload it.
        log.error("tweet already recorded by another writer", { tweetId: x.item.bid.tweetId });
        resync = true;
        duplicate(x.item.bid, x.decision.auctionId, now);
      } else {
        telling.push(announceDecision(bus, x.decision, now));
        toldIds.push(x.decision.tweetId);
        if (x.auction && x.decision.kind === "accepted") updated(x.auction, now);
        o.observe?.(performance.now() - x.item.t0);
      }
    }
    if (toldIds.length) markTold(telling, toldIds);
    if (resync) {
      resync = false;
      market = await store.loadMarket(limits, clock.instant());
      for (const s of Object.values(market.auctions)) {
        mirror(s);
        arm(s);
      }
    }
  };

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

  const duplicate = (bid: Bid, auctionId: string | null, now: Temporal.Instant) => {
    bus.emit("bid.rejected", {
      auctionId,
      tweetId: bid.tweetId,
      handle: bid.handle,
      reason: "duplicate",
      message: "this tweet was already decided",
      at: nyString(bid.tweetAt),
    }, now);
  };

  /** Takes everything that has arrived by the time it runs: under load, batches grow. */
  const runInbox = async () => {
    jobQueued = false;
    const batch = inbox;
    inbox = { bids: [], readThrough: null };
    const now = clock.instant();
    batch.bids.sort((a, b) => byTweetOrder(a.bid, b.bid));
    await check(now); // open what is due before deciding
    for (let i = 0; i < batch.bids.length; i += o.commitGroup) {
      await decideGroup(batch.bids.slice(i, i + o.commitGroup), now);
    }
    if (batch.readThrough && (!watermark || cmp(batch.readThrough, watermark) > 0)) {
      watermark = batch.readThrough;
    }
    await check(now);
  };
  const queueFlush = () => {
    if (jobQueued || stopped) return;
    jobQueued = true;
    queueMicrotask(() => {
      serial(runInbox).catch((error) => log.error("deciding a batch failed", { error }));
    });
  };

  // Rebuilt from Postgres: mirror to the state store and arm the timers (announceState tells
  // the bus once every plugin listens).
  for (const s of Object.values(market.auctions)) {
    mirror(s);
    arm(s);
  }
  enqueueCheck(clock.instant());

  const find = (auctionId: string | null): AuctionState => {
    if (auctionId) {
      const s = market.auctions[auctionId];
      if (!s) throw new AdminError(`no auction ${auctionId}`);
      return s;
    }
    const live = Object.values(market.auctions).filter((s) =>
      s.status === "open" || s.status === "paused" || s.status === "scheduled"
    );
    if (live.length !== 1) {
      throw new AdminError(`name the auction: ${live.length} are not closed`);
    }
    return live[0];
  };

  /** What an override would make of the auction now (throws AdminError when it does not fit). */
  const planAdmin = (auctionId: string | null, action: AdminAction, now: Temporal.Instant) => {
    const before = find(auctionId);
    let after = applyAdmin(before, action, now);
    // Resuming an auction held back by custody leaves it to the gate, not straight open.
    if (after.status === "open" && before.status === "paused" && blocked.has(before.rules.id)) {
      after = { ...after, status: "scheduled" };
    }
    return { before, after };
  };

  /** An override, audited; runs inside the serial queue. */
  const adminNow = async (
    auctionId: string | null,
    action: AdminAction,
    by: AdminBy,
  ): Promise<AuctionSnapshot> => {
    const now = clock.instant();
    const { before, after } = planAdmin(auctionId, action, now);
    await store.saveAuction(after, {
      auctionId: before.rules.id,
      actor: by.actor,
      action,
      reason: by.reason,
      at: now,
      before: JSON.parse(toJson(snapshot(before))),
      after: JSON.parse(toJson(snapshot(after))),
    }, action.action === "void" ? action.tweetId : undefined);
    setAuction(after);
    log.info("admin override", { auctionId: before.rules.id, action: action.action, ...by });
    if (action.action === "extend") {
      bus.emit("auction.extended", {
        auctionId: after.rules.id,
        endsAt: nyString(after.endsAt),
        previousEndsAt: nyString(before.endsAt),
      }, now);
    }
    if (after.status === "closed" && before.status !== "closed") announceClose(after, now);
    updated(after, now);
    await check(now);
    return snapshot(market.auctions[after.rules.id]);
  };

  /** Voids the leads a reversed deposit no longer covers; runs inside the serial queue. */
  const voidUncovered = async (address: string, xUserId?: string | null) => {
    const funds = o.funds();
    const leaders = new Map<string, string>();
    for (const s of Object.values(market.auctions)) {
      const lead = (s.status === "open" || s.status === "paused") && leaderOf(s);
      if (lead) leaders.set(lead.bidderId, lead.handle);
    }
    for (const [bidderId, handle] of leaders) {
      const userId = bidderId.startsWith("@") ? undefined : bidderId;
      const wallet = await funds.walletOf(handle, userId);
      const owns = bidderId === xUserId || wallet?.toLowerCase() === address.toLowerCase();
      if (!wallet || !owns) continue;
      const balance = await funds.balanceOf(handle, userId);
      for (;;) {
        if (heldElsewhere(market, bidderId, "") <= balance) break;
        const leads = Object.values(market.auctions).flatMap((s) => {
          const lead = (s.status === "open" || s.status === "paused") && leaderOf(s);
          return lead && lead.bidderId === bidderId ? [{ s, lead }] : [];
        }).sort((a, b) => (b.lead.amountWei > a.lead.amountWei ? 1 : -1));
        if (!leads.length) break; // what remains is held by wins: settlement's business
        const { s, lead } = leads[0];
        await adminNow(s.rules.id, { action: "void", tweetId: lead.tweetId }, {
          actor: "system",
          reason: "deposit reversed",
        });
      }
    }
  };

  const runtime: AuctionRuntime = {
    list: () => Object.values(market.auctions).map(snapshot),
    get: (id) => market.auctions[id] ? snapshot(market.auctions[id]) : null,
    create: (rules) =>
      serial(async () => {
        const now = clock.instant();
        if (!market.auctions[rules.id]) {
          await store.createAuction(rules);
          const s = newAuction(rules);
          setAuction(s);
          updated(s, now);
        }
        await check(now);
        return snapshot(market.auctions[rules.id]);
      }),
    admin: (auctionId, action, by) => serial(() => adminNow(auctionId, action, by)),
    previewAdmin: (auctionId, action) =>
      serial(() => {
        const { before, after } = planAdmin(auctionId, action, clock.instant());
        return Promise.resolve({ before: snapshot(before), after: snapshot(after) });
      }),
    settle: (auctionId) =>
      serial(async () => {
        const s = market.auctions[auctionId];
        if (!s || s.settled) return;
        const next = { ...s, settled: true };
        await store.saveAuction(next);
        setAuction(next);
      }),
    blocked: () => Object.fromEntries(blockReasons()),
    resume() {
      // The state at once (the screen must be right), then what was left untold, then the
      // state again, so a retold older event is never the last word.
      runtime.announceState();
      return serial(async () => {
        const untold = await store.untold();
        for (const u of untold) {
          const at = Temporal.Instant.fromEpochMilliseconds(u.decidedAt.getTime());
          markTold([deliverAll(bus, u.events, at)], [u.tweetId]);
        }
        if (!untold.length) return;
        log.info("decisions told again after a restart", { n: untold.length });
        runtime.announceState();
      }).catch((error) => log.error("telling untold decisions failed", { error }));
    },
    announceState() {
      for (const s of Object.values(market.auctions)) {
        if (s.status === "closed" && !s.settled) announceClose(s, clock.instant());
        else if (s.status !== "closed" && s.status !== "cancelled") updated(s, clock.instant());
      }
    },
    depositReversed(address, xUserId) {
      const deadline = clock.instant().add({ seconds: o.fundsWaitSeconds });
      const attempt = (): Promise<void> =>
        serial(() => voidUncovered(address, xUserId)).catch(async (error) => {
          if (stopped || cmp(clock.instant(), deadline) >= 0) {
            log.error("re-checking leads after a reversed deposit failed", { address, error });
            return;
          }
          log.warn("funds unavailable; re-checking leads later", { address, error });
          await clock.sleep(o.fundsRetrySeconds * 1000);
          return attempt();
        });
      return attempt();
    },
    submit(b) {
      if (!TWEET_ID.test(b.tweetId)) {
        log.warn("a bid with an impossible tweet id is ignored", {
          tweetId: b.tweetId.slice(0, 60),
        });
        return;
      }
      const receivedAt = b.receivedAt ? Temporal.Instant.from(b.receivedAt) : clock.instant();
      inbox.bids.push({
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
        receivedAt,
        t0: performance.now(),
      });
      queueFlush();
    },
    readThrough(until) {
      if (!inbox.readThrough || cmp(until, inbox.readThrough) > 0) inbox.readThrough = until;
      queueFlush();
    },
    async idle() {
      for (;;) {
        await work.drained();
        await Promise.all([...marking]);
        // A microtask turn lets a just-queued batch start (timers would cost ≥ 4 ms each).
        await new Promise<void>((r) => queueMicrotask(r));
        if (!work.pending() && !marking.size && !jobQueued && inbox.bids.length === 0) return;
      }
    },
    market: () => market,
    waiting: () => recorder.waiting(),
    stop() {
      stopped = true;
      recorder.stop();
      rechecks.forEach((cancel) => cancel());
      rechecks.clear();
      for (const cancels of timers.values()) cancels.forEach((c) => c());
      timers.clear();
    },
  };
  return runtime;
}
