/**
 * The running auction: one serial queue of work (decisions, admin overrides,
 * opening and closing), so the pure rules always see one consistent market.
 * Tweets that arrive together (in the same turn of the event loop) are sorted
 * by tweet time then id before they are decided. Each decision is written to
 * Postgres before it is announced on the bus and mirrored to the state store.
 * This file is the runtime's face; its parts share one explicit state record
 * (runtime_state.ts): the schedule (runtime_schedule.ts), decisions
 * (runtime_decide.ts) and overrides (runtime_admin.ts).
 */
import type { Bus } from "../../core/bus.ts";
import type { BidSubmitted } from "./events.ts";
import type { Clock } from "../../core/clock.ts";
import { pauseAfterFailure } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { StateStore } from "../../core/state.ts";
import { deliverAll } from "./announce.ts";
import type { Funds } from "./funds.ts";
import type { AdminAction, AuctionRules, Market, RateLimit } from "./rules.ts";
import { auctionById, newAuction } from "./rules.ts";
import { type AuctionSnapshot, snapshot } from "./snapshot.ts";
import type { AuctionStore } from "./store.ts";
import { adminNow, planAdmin, voidUncovered } from "./runtime_admin.ts";
import { inboxItem, queueFlush } from "./runtime_decide.ts";
import { arm, check, enqueueCheck, setAuction } from "./runtime_schedule.ts";
import {
  announceClose,
  blockReasons,
  loadState,
  markTold,
  mirror,
  type RuntimeState,
  updated,
} from "./runtime_state.ts";

/** A `bid.submitted` as a tweet source sends it (its schema: events.ts). */
export type Submitted = BidSubmitted;

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

const cmp = Temporal.Instant.compare;

export async function startAuctionRuntime(o: RuntimeOptions): Promise<AuctionRuntime> {
  const { bus, clock, log } = o;
  const st = await loadState(o);
  const serial = <T>(job: () => Promise<T>): Promise<T> => st.work.run(job);

  // Rebuilt from Postgres: mirror to the state store and arm the timers (announceState tells
  // the bus once every plugin listens).
  for (const s of Object.values(st.market.auctions)) {
    mirror(st, s);
    arm(st, s);
  }
  enqueueCheck(st, clock.instant());

  const runtime: AuctionRuntime = {
    list: () => Object.values(st.market.auctions).map(snapshot),
    get: (id) => {
      const s = auctionById(st.market, id);
      return s ? snapshot(s) : null;
    },
    create: (rules) =>
      serial(async () => {
        const now = clock.instant();
        if (!auctionById(st.market, rules.id)) {
          await o.store.createAuction(rules);
          const s = newAuction(rules);
          setAuction(st, s);
          updated(st, s, now);
        }
        await check(st, now);
        return snapshot(st.market.auctions[rules.id]);
      }),
    admin: (auctionId, action, by) => serial(() => adminNow(st, auctionId, action, by)),
    previewAdmin: (auctionId, action) =>
      serial(() => {
        const { before, after } = planAdmin(st, auctionId, action, clock.instant());
        return Promise.resolve({ before: snapshot(before), after: snapshot(after) });
      }),
    settle: (auctionId) =>
      serial(async () => {
        const s = auctionById(st.market, auctionId);
        if (!s || s.settled) return;
        const next = { ...s, settled: true };
        await o.store.saveAuction(next);
        setAuction(st, next);
      }),
    blocked: () => Object.fromEntries(blockReasons(st)),
    resume() {
      // The state at once (the screen must be right), then what was left untold, then the
      // state again, so a retold older event is never the last word.
      runtime.announceState();
      return serial(async () => {
        const untold = await o.store.untold();
        for (const u of untold) {
          const at = Temporal.Instant.fromEpochMilliseconds(u.decidedAt.getTime());
          markTold(st, [deliverAll(bus, u.events, at)], [u.tweetId]);
        }
        if (!untold.length) return;
        log.info("decisions told again after a restart", { n: untold.length });
        runtime.announceState();
      }).catch((error) => log.error("telling untold decisions failed", { error }));
    },
    announceState() {
      for (const s of Object.values(st.market.auctions)) {
        if (s.status === "closed" && !s.settled) announceClose(st, s, clock.instant());
        else if (s.status !== "closed" && s.status !== "cancelled") {
          updated(st, s, clock.instant());
        }
      }
    },
    depositReversed(address, xUserId) {
      const deadline = clock.instant().add({ seconds: o.fundsWaitSeconds });
      const attempt = (): Promise<void> =>
        serial(() => voidUncovered(st, address, xUserId)).catch(async (error) => {
          if (st.stopped || cmp(clock.instant(), deadline) >= 0) {
            log.error("re-checking leads after a reversed deposit failed", { address, error });
            return;
          }
          log.warn("funds unavailable; re-checking leads later", { address, error });
          await pauseAfterFailure(o.store, clock.sleep(o.fundsRetrySeconds * 1000));
          return attempt();
        });
      return attempt();
    },
    submit(b) {
      const item = inboxItem(b, clock);
      if (!item) {
        log.warn("a bid with an impossible tweet id is ignored", {
          tweetId: b.tweetId.slice(0, 60),
        });
        return;
      }
      st.inbox.bids.push(item);
      queueFlush(st);
    },
    readThrough(until) {
      const seen = st.inbox.readThrough;
      if (!seen || cmp(until, seen) > 0) st.inbox.readThrough = until;
      queueFlush(st);
    },
    idle: () => idle(st),
    market: (): Market => st.market,
    waiting: () => st.recorder.waiting(),
    stop() {
      st.stopped = true;
      st.recorder.stop();
      st.rechecks.forEach((cancel) => cancel());
      st.rechecks.clear();
      for (const cancels of st.timers.values()) cancels.forEach((c) => c());
      st.timers.clear();
    },
  };
  return runtime;
}

/** Resolves once no work is queued, no batch waits and every decision's outbox row is marked. */
async function idle(st: RuntimeState) {
  for (;;) {
    await st.work.drained();
    await Promise.all([...st.marking]);
    // A microtask turn lets a just-queued batch start (timers would cost ≥ 4 ms each).
    await new Promise<void>((r) => queueMicrotask(r));
    if (!st.work.pending() && !st.marking.size && !st.flushQueued && !st.inbox.bids.length) {
      return;
    }
  }
}
