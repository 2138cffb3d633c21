/**
 * The running auction's state, in one record passed explicitly between the
 * parts of the runtime (schedule, decisions, overrides): the market as the rules
 * see it, the tweet watermark, the inbox of bids not yet decided, the tweets
 * already decided, auctions held back by custody and the armed timers. Only
 * jobs of `work` (one serial queue) change `market`; announcing a state here
 * writes nothing to the database.
 */
import type { Cancel } from "../../core/clock.ts";
import { nyString } from "../../core/clock.ts";
import { type SerialQueue, serialQueue } from "../../core/serial_queue.ts";
import { createRecorder, type Recorder } from "./recorder.ts";
import type { AuctionState, Bid, Market } from "./rules.ts";
import { snapshot, toJson } from "./snapshot.ts";
import type { RuntimeOptions } from "./auction_runtime.ts";

export interface Inbox {
  bids: Array<{
    bid: Bid;
    authorId?: string;
    editHistory?: string[];
    receivedAt: Temporal.Instant;
    t0: number;
  }>;
  readThrough: Temporal.Instant | null;
}

export interface RuntimeState {
  o: RuntimeOptions;
  limits: { rateLimit: RuntimeOptions["rateLimit"]; maxBidWei: bigint };
  market: Market;
  /** The latest read-through the tweet source confirmed (closing waits for it). */
  watermark: Temporal.Instant | null;
  inbox: Inbox;
  /** A batch is queued to be decided (more bids join it until it runs). */
  flushQueued: boolean;
  /** Tweet ids already decided → their auction: duplicates are answered without a write. */
  seen: Map<string, string | null>;
  stopped: boolean;
  timers: Map<string, Cancel[]>;
  /** Auctions held scheduled past their start: why, and when to check again. */
  blocked: Map<string, { reason: string; recheckAt: Temporal.Instant }>;
  rechecks: Map<string, Cancel>;
  work: SerialQueue;
  /** Outbox rows being marked told (once every listener has taken their events). */
  marking: Set<Promise<void>>;
  recorder: Recorder;
}

export async function loadState(o: RuntimeOptions): Promise<RuntimeState> {
  const limits = { rateLimit: o.rateLimit, maxBidWei: o.maxBidWei };
  return {
    o,
    limits,
    market: await o.store.loadMarket(limits, o.clock.instant()),
    watermark: null,
    inbox: { bids: [], readThrough: null },
    flushQueued: false,
    seen: new Map(await o.store.tweetIds()),
    stopped: false,
    timers: new Map(),
    blocked: new Map(),
    rechecks: new Map(),
    work: serialQueue(),
    marking: new Set(),
    recorder: createRecorder({ store: o.store, clock: o.clock, log: o.log }),
  };
}

/** Why each auction due to open is held scheduled (only those still scheduled). */
export const blockReasons = (st: RuntimeState) =>
  new Map(
    [...st.blocked].filter(([id]) => st.market.auctions[id]?.status === "scheduled")
      .map(([id, b]) => [id, b.reason]),
  );

/** Marks outbox rows told once every listener has taken their events (not holding the queue). */
export function markTold(st: RuntimeState, telling: Promise<void>[], tweetIds: string[]) {
  const work = Promise.all(telling).then(() => st.o.store.told(tweetIds)).catch((error) =>
    st.o.log.warn("marking decisions told failed; they are told again at start", { error })
  );
  st.marking.add(work);
  work.finally(() => st.marking.delete(work));
}

export function mirror(st: RuntimeState, s: AuctionState) {
  st.o.state.set(`auction:${s.rules.id}`, toJson(snapshot(s))).catch((error) =>
    st.o.log.warn("state mirror failed", { error })
  );
}

export function updated(st: RuntimeState, s: AuctionState, at: Temporal.Instant) {
  mirror(st, s);
  st.o.bus.emit("auction.updated", snapshot(s), at);
}

export function announceClose(st: RuntimeState, s: AuctionState, now: Temporal.Instant) {
  st.o.bus.emit("auction.closed", {
    auctionId: s.rules.id,
    winner: s.winner,
    runnerUp: s.runnerUp && { handle: s.runnerUp.handle, amountWei: s.runnerUp.amountWei },
    at: nyString(s.closedAt ?? now),
  }, now);
}
