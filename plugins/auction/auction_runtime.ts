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
import type { StateStore } from "../../core/state.ts";
import type { Funds } from "./funds.ts";
import { parseBid } from "./parse_bid.ts";
import {
  type AdminAction,
  AdminError,
  applyAdmin,
  type AuctionRules,
  type AuctionState,
  type Bid,
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
  sameHandle,
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
}

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
   * Announces again every closed auction not yet settled. A crash can fall between a
   * closing's commit and its listeners' own writes (settlement's plan, the winner's
   * notice); both are idempotent, so saying it again on start loses nothing.
   */
  announceUnsettled(): void;
  submit(bid: Submitted): void;
  /** Auctions due to open but held scheduled, with why (e.g. custody of the lot failed). */
  blocked(): Record<string, string>;
  /**
   * A credited deposit was reversed (reorg): leads of the wallet's bidder that their
   * balance no longer covers are voided by the system, largest first.
   */
  depositReversed(address: string): Promise<void>;
  readThrough(until: Temporal.Instant): void;
  /** Resolves when no work is queued. */
  idle(): Promise<void>;
  /** The state as rebuilt on start, for tests. */
  market(): Market;
  stop(): void;
}

interface Inbox {
  bids: Array<{ bid: Bid; authorId?: string; receivedAt: Temporal.Instant; t0: number }>;
  readThrough: Temporal.Instant | null;
}

const cmp = Temporal.Instant.compare;

export async function startAuctionRuntime(o: RuntimeOptions): Promise<AuctionRuntime> {
  const { bus, clock, log, store } = o;
  let market = await store.loadMarket(o.rateLimit, clock.instant());
  let watermark: Temporal.Instant | null = null;
  let chain: Promise<unknown> = Promise.resolve();
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

  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = chain.then(job);
    chain = run.catch(() => {});
    return run;
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
    handle: string,
    deadline: Temporal.Instant,
    tx?: { hash: string; amountWei: bigint },
  ): Promise<Wallet | null> => {
    for (;;) {
      try {
        const funds = o.funds();
        const address = await funds.walletOf(handle);
        if (!address) return { linked: false, balanceWei: 0n };
        const wallet: Wallet = { linked: true, balanceWei: await funds.balanceOf(handle) };
        // A named deposit is checked only when the chain is there to check it.
        const chain = tx && o.chain?.();
        if (chain) {
          const check = await chain.verifyDepositTx(handle, tx.hash, tx.amountWei);
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

  const record = async (recs: DecisionRecord[]) => {
    // The truth must be written before anything is announced: retry until it is.
    for (let delay = 100;; delay = Math.min(delay * 2, 5000)) {
      try {
        return await store.recordDecisions(recs);
      } catch (error) {
        if (stopped) throw error;
        const tweetId = recs[0].decision.tweetId;
        log.error("recording decisions failed; retrying", { tweetId, error });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };

  /**
   * Decides a group of bids in tweet order, in memory, then records them; each is
   * announced only once its row is committed. With `commitGroup` 1 (the default)
   * each decision is its own transaction; larger groups let decisions that arrived
   * together share one commit (all or none of them survive a crash, in order).
   */
  const decideGroup = async (items: Inbox["bids"], now: Temporal.Instant) => {
    type Item = Inbox["bids"][number];
    type Made = { item: Item; decision: Decision; auction: AuctionState | null };
    const made: Array<Made | { item: Item; duplicateOf: string | null }> = [];
    for (const item of items) {
      const { bid } = item;
      if (seen.has(bid.tweetId)) {
        made.push({ item, duplicateOf: seen.get(bid.tweetId) ?? null });
        continue;
      }
      const deadline = item.receivedAt.add({ seconds: o.fundsWaitSeconds });
      const parsed = parseBid(bid.text);
      const tx = parsed.ok && parsed.txHash
        ? { hash: parsed.txHash, amountWei: parsed.amountWei }
        : undefined;
      const wallet = await walletFor(bid.handle, deadline, tx);
      if (Temporal.Instant.compare(clock.instant(), now) > 0) now = clock.instant(); // it waited
      const { decision, market: next } = decide(market, bid, wallet, blockReasons());
      const auction = decision.auctionId ? next.auctions[decision.auctionId] : null;
      seen.set(bid.tweetId, decision.auctionId);
      market = { ...next, auctions: market.auctions };
      if (auction) setAuction(auction);
      made.push({ item, decision, auction });
    }
    const toRecord = made.filter((m): m is Made => "decision" in m);
    const fresh = toRecord.length
      ? await record(toRecord.map(({ item, decision, auction }) => ({
        decision,
        authorId: item.authorId,
        text: item.bid.text,
        receivedAt: item.receivedAt,
        decidedAt: now,
        auction,
      })))
      : [];
    let i = 0;
    for (const m of made) {
      if (!("decision" in m)) {
        duplicate(m.item.bid, m.duplicateOf, now);
      } else if (!fresh[i++]) {
        // Another writer recorded this tweet first: our state is suspect; reload it.
        log.error("tweet already recorded by another writer", { tweetId: m.item.bid.tweetId });
        resync = true;
        duplicate(m.item.bid, m.decision.auctionId, now);
      } else {
        announce(m.decision, m.auction, now);
        o.observe?.(performance.now() - m.item.t0);
      }
    }
    if (resync) {
      resync = false;
      market = await store.loadMarket(o.rateLimit, clock.instant());
      for (const s of Object.values(market.auctions)) {
        mirror(s);
        arm(s);
      }
    }
  };

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

  const announce = (d: Decision, s: AuctionState | null, now: Temporal.Instant) => {
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
    bus.emit("bid.accepted", {
      auctionId: d.auctionId,
      tweetId: d.tweetId,
      handle: d.handle,
      amountWei: d.amountWei,
      at: nyString(d.tweetAt),
      previousLeader: d.previousLeader,
      endsAt: nyString(d.endsAt),
    }, now);
    if (d.extended) {
      bus.emit("auction.extended", {
        auctionId: d.auctionId,
        endsAt: nyString(d.extended.to),
        previousEndsAt: nyString(d.extended.from),
      }, now);
    }
    if (s) updated(s, now);
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

  // Rebuilt from Postgres: mirror to the state store, arm the timers, and tell the bus where
  // live auctions stand (a decision committed just before a crash may never have been announced).
  for (const s of Object.values(market.auctions)) {
    mirror(s);
    arm(s);
    if (s.status !== "closed" && s.status !== "cancelled") {
      bus.emit("auction.updated", snapshot(s), clock.instant());
    }
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
  const voidUncovered = async (address: string) => {
    const funds = o.funds();
    const leaders = new Map<string, string>();
    for (const s of Object.values(market.auctions)) {
      const lead = (s.status === "open" || s.status === "paused") && leaderOf(s);
      if (lead) leaders.set(lead.handle.toLowerCase(), lead.handle);
    }
    for (const handle of leaders.values()) {
      const wallet = await funds.walletOf(handle);
      if (!wallet || wallet.toLowerCase() !== address.toLowerCase()) continue;
      const balance = await funds.balanceOf(handle);
      for (;;) {
        if (heldElsewhere(market, handle, "") <= balance) break;
        const leads = Object.values(market.auctions).flatMap((s) => {
          const lead = (s.status === "open" || s.status === "paused") && leaderOf(s);
          return lead && sameHandle(lead.handle, handle) ? [{ s, lead }] : [];
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

  return {
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
    announceUnsettled() {
      for (const s of Object.values(market.auctions)) {
        if (s.status === "closed" && !s.settled) announceClose(s, clock.instant());
      }
    },
    depositReversed(address) {
      const deadline = clock.instant().add({ seconds: o.fundsWaitSeconds });
      const attempt = (): Promise<void> =>
        serial(() => voidUncovered(address)).catch(async (error) => {
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
      const receivedAt = b.receivedAt ? Temporal.Instant.from(b.receivedAt) : clock.instant();
      inbox.bids.push({
        bid: {
          tweetId: b.tweetId,
          handle: b.handle,
          text: b.text,
          // Milliseconds, as X gives them and as the database drivers return them (Date).
          tweetAt: Temporal.Instant.from(b.tweetAt).round({
            smallestUnit: "millisecond",
            roundingMode: "floor",
          }),
        },
        authorId: b.authorId,
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
        const c = chain;
        await c;
        // A microtask turn lets a just-queued batch start (timers would cost ≥ 4 ms each).
        await new Promise<void>((r) => queueMicrotask(r));
        if (c === chain && !jobQueued && inbox.bids.length === 0) return;
      }
    },
    market: () => market,
    stop() {
      stopped = true;
      rechecks.forEach((cancel) => cancel());
      rechecks.clear();
      for (const cancels of timers.values()) cancels.forEach((c) => c());
      timers.clear();
    },
  };
}
