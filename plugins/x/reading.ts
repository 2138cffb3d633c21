/**
 * The reading half of the plugin: one reader per polled endpoint (the mentions timeline, recent
 * search), each with its own `since_id` and wake loop, under one storing lock shared with the
 * filtered stream, so a tweet two sources return is stored and emitted once. The planner decides
 * each source's next read from the auctions' phase and the month's projection (`degrade`); the
 * sweep gates the read-through before a close. Every wait is on the engine's clock. Each read
 * goes as the user or as the app (the Bearer token), to the window with room, through one shared
 * view of each (endpoint, auth) window (`read_windows.ts`): the readers and the sweep see what the
 * others spent, and the planner plans with both. Where the tier file gives no per-app number, the
 * one learned from X's header is kept (`app_limits.ts`) and planned with from the next start; none
 * kept yet, the extra source (search) reads once as the app at start (the probe, `app_probe.ts`:
 * counted and ingested like any read; one that learns nothing is tried again, bounded and backed
 * off), so the planner knows both windows before it opens them for a lot.
 */
import type { Bus } from "../../core/bus.ts";
import { type Clock, nyString } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import { serialQueue } from "../../core/serial_queue.ts";
import type { Log } from "../../core/log.ts";
import type { HostAccount } from "./account.ts";
import { type AuctionPhases, followAuctions } from "./auction_phases.ts";
import { appLimitStore } from "./app_limits.ts";
import { probeAppWindows, type ProbeStatus } from "./app_probe.ts";
import { createCloseSweep } from "./close_sweep.ts";
import type { XConfig } from "./config.ts";
import { createMentionReader, type MentionReader, type StoredTweet } from "./mention_reader.ts";
import { type MentionStream, startMentionStream } from "./mention_stream.ts";
import {
  alignDelay,
  degradeLevel,
  mayRead,
  nextReadDelay,
  type Phase,
  type PolledSource,
  SWEEP_RESERVE,
} from "./read_planner.ts";
import { createReadUsage, type Projection, type ReadUsage } from "./read_usage.ts";
import { type ReadWindows, trackReadWindows } from "./read_windows.ts";
import { type TierLimits, type Window, windowIntervalMs } from "./tier_limits.ts";
import { createWakeLoop, type WakeLoop } from "./wake_loop.ts";
import { type RateLimit, SEARCH_VOUCHES_MS, type XApi, type XTweet } from "./x_api.ts";

/** How often an inactive source asks the planner again (besides every phase change). */
const PHASE_RECHECK_MS = 30_000;
/** The shortest time between two tries to open the filtered stream. */
const STREAM_RETRY_MS = 60_000;

export interface ReadingOptions {
  bus: Bus;
  db: Db;
  api: XApi;
  clock: Clock;
  log: Log;
  config: XConfig;
  tier: TierLimits;
  hostHandle: string;
  account: HostAccount;
  baseUrl: string;
  /** The app-only token for the filtered stream, if any. */
  streamToken?: string;
  onTweet(t: StoredTweet): Promise<void>;
  /** Resolves once the auction has decided what was emitted (the `auctions` service). */
  settled(): Promise<void>;
}

export interface Reading {
  readThrough(): string | undefined;
  phase(): Phase;
  projection(): Projection | undefined;
  degrade(): number;
  /** Each polled source's reader status, by name. */
  sources(): Array<{ name: PolledSource } & ReturnType<MentionReader["status"]>>;
  primaryStatus(): ReturnType<MentionReader["status"]> | undefined;
  stream(): "connected" | "down" | "off";
  /** Each read endpoint's windows, the user's and the app's, and whether the app's is in use. */
  windows(): ReturnType<ReadWindows["status"]>;
  /** Each source whose app window a probe has not learned yet (tries, next, last failure). */
  appProbes(): Partial<Record<PolledSource, ProbeStatus>>;
  sweepPending(): Array<{ auctionId: string; error?: string }> | undefined;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startReading(o: ReadingOptions): Reading {
  const { config, tier, clock } = o;
  const usage = createReadUsage({ db: o.db, clock, cap: tier.monthlyReads });
  const polled = polledSources(config);
  const primary = polled[0];
  const readers = new Map<PolledSource, MentionReader>();
  const serial = serialQueue();
  const loops = new Map<PolledSource, WakeLoop>();
  const anyReader = () => readers.get(primary) ?? [...readers.values()][0];
  const phases = followAuctions(o.bus, clock, () => {
    for (const loop of loops.values()) loop.kick();
  });
  const state = {
    degrade: 0,
    readThisMonth: 0,
    projection: undefined as Projection | undefined,
    readThrough: undefined as string | undefined,
    reported: undefined as Temporal.Instant | undefined,
  };
  const lastRead = new Map<PolledSource, number | undefined>(); // complete reads' starts
  // One view of the windows (the user's, the app's) for the readers and the sweep: `learned`.
  const { windows, ...learned } = learnedAppLimits(o);
  const probes = probeAppWindows(windows, primary, phases, clock, o.log.child("app-probe"));
  const plan = planner({ config, clock, phases, windows, primary, degrade: () => state.degrade });
  // One at a time, in the order they came (the stream's, the sweep's): each is counted (a write)
  // before it is stored, and writes finish in any order; a tweet counted late must not be
  // stored, emitted and decided after a later one.
  const arrivals = serialQueue();
  const ingest = (t: XTweet) =>
    arrivals.run(async () => {
      await usage.count([t.id]);
      await anyReader()?.ingest(t);
    });
  const api = windows.api;
  const { sweep, offSweep } = closeSweepFor({ ...o, api }, ingest, () => windows.last("search"));
  // A stream drop or reconnect reads the timeline at once (the backfill), whatever the pace says.
  const stream = streamOpener(o, ingest, () => {
    lastRead.delete(primary);
    loops.get(primary)?.kick();
  });

  const readerFor = (s: PolledSource) => {
    let reader = readers.get(s);
    if (reader) return reader;
    const accountId = o.account.get()!.id;
    reader = createMentionReader({
      db: o.db,
      api,
      clock,
      log: o.log.child(s === primary ? "reader" : `reader.${s}`),
      accountId,
      positionKey: s === primary ? accountId : `${accountId}:${s}`,
      serial,
      windowMs: windows.windowOf(s).windowMs,
      // A read that opened a window: the next opens the source's other window beside it, at once.
      pace: (rateLimit) =>
        windows.joining(s)
          ? config.minPollMs
          : plan(s, windows.last(s) ?? rateLimit) ?? PHASE_RECHECK_MS,
      onPage: async (items) => {
        await usage.count(items.map((t) => t.id));
        state.readThisMonth = await usage.used();
      },
      // Near the month's cap, smaller pages: X counts every post a page returns.
      maxResults: () => tier.monthlyReads - state.readThisMonth,
      hostHandle: o.hostHandle,
      source: s,
      backfill: s === primary && config.backfill,
      // A search read asks for nothing newer than `now − 11 s` (X's freshest end_time, whole
      // seconds, exclusive): it vouches for nothing after `now − 12 s`, so no close is decided
      // on it early, and a first run's cutoff drops nothing it has not read.
      ingestLagMs: s === "search"
        ? Math.max(config.ingestLagMs, SEARCH_VOUCHES_MS)
        : config.ingestLagMs,
      tierIntervalMs: windowIntervalMs(windows.windowOf(s)),
      minIntervalMs: config.minPollMs,
      onTweet: o.onTweet,
      settled: o.settled,
      onReadThrough: async (read) => {
        const until = sweep ? await sweep.gate(read) : read;
        if (state.reported && Temporal.Instant.compare(until, state.reported) <= 0) return;
        state.reported = until;
        state.readThrough = nyString(until);
        o.bus.emit("tweets.read-through", { until: state.readThrough });
      },
    });
    readers.set(s, reader);
    return reader;
  };

  const readStep = (s: PolledSource) => async () => {
    if (!(await o.account.resolve())) return o.account.retryAt();
    await learned.loaded;
    const reader = readerFor(s);
    const rateLimit = windows.last(s) ?? reader.status().rateLimit;
    const probe = probes.before(s);
    if (probe.hold) return probe.hold;
    const held = probe.now ? undefined : holdBefore({
      source: s,
      primary: s === primary,
      now: clock.instant(),
      rateLimit,
      pace: plan(s, rateLimit),
      phases,
      window: windows.windowOf(s),
      lastReadAt: lastRead.get(s),
      joining: windows.joining(s),
    });
    if (held) return held;
    const startedAt = clock.instant().epochMilliseconds;
    const result = await reader.poll();
    lastRead.set(s, result.outcome === "complete" ? startedAt : undefined);
    probes.after(s, probe.now, result.outcome, reader.status().lastError);
    if (s === primary) {
      Object.assign(state, await projectMonth(usage, config.expectedMentionsPerDay));
      if (anyReader()) await stream.open();
    }
    return result.outcome === "complete" ? phases.orPhaseChange(result.nextAt) : result.nextAt;
  };
  for (const s of config.read ? polled : []) loops.set(s, startLoop(o, s, readStep(s)));
  const idle = () => Promise.all([...loops.values()].map((l) => l.idle())).then(() => {});
  return {
    readThrough: () => state.readThrough,
    phase: () => phases.now().phase,
    projection: () => state.projection,
    degrade: () => state.degrade,
    sources: () => [...readers].map(([name, r]) => ({ name, ...r.status() })),
    primaryStatus: () => readers.get(primary)?.status(),
    stream: stream.state,
    windows: windows.status,
    appProbes: probes.status,
    sweepPending: () => sweep?.pending(),
    idle,
    async stop() {
      offSweep();
      phases.stop();
      stream.stop();
      for (const loop of loops.values()) loop.stop();
      // Let a read under way finish, so its row is written before storage closes.
      await idle();
      await learned.saved();
    },
  };
}

/** The month's projection after a primary read, and the degradation it calls for. */
async function projectMonth(usage: ReadUsage, expectedPerDay?: number) {
  const projection = await usage.project(expectedPerDay);
  const degrade = degradeLevel(projection.runsOutOnDay, projection.daysInMonth);
  return { projection, readThisMonth: projection.used, degrade };
}

/**
 * The per-app limits learned in earlier runs (loaded into `windows` before the first read) and
 * each one X's headers state from now on, kept one write at a time (a failed write: a warning;
 * the limit is still planned with in this run).
 */
function learnedAppLimits(o: ReadingOptions) {
  const log = o.log.child("app-limits");
  const store = appLimitStore({ db: o.db, clock: o.clock, log, tier: o.tier });
  let writes = Promise.resolve();
  const save = (s: PolledSource, limit: number) => {
    writes = writes.then(() => store.save(s, limit)).catch((error) =>
      o.log.warn("a learned per-app read limit was not stored", {
        source: s,
        limit,
        error: (error as Error).message,
      })
    );
  };
  const nowMs = () => o.clock.instant().epochMilliseconds;
  const windows = trackReadWindows(o.api, o.tier, nowMs, o.log, save);
  const loaded = store.load().then(
    windows.useStored,
    (error) =>
      o.log.warn("stored per-app read limits unreadable: learned again", {
        error: (error as Error).message,
      }),
  );
  return { windows, loaded, saved: () => writes };
}

/** The planner's pause before `s` is read again; undefined: not in this phase. */
function planner(o: {
  config: XConfig;
  clock: Clock;
  phases: AuctionPhases;
  windows: ReadWindows;
  primary: PolledSource;
  degrade: () => number;
}) {
  return (s: PolledSource, rateLimit?: RateLimit) => {
    const { phase, until } = o.phases.now();
    return nextReadDelay({
      source: s,
      extra: s !== o.primary,
      now: o.clock.instant().epochMilliseconds,
      phase,
      hotUntil: until,
      nextHot: phase === "hot" ? undefined : o.phases.hot(),
      window: {
        ...o.windows.windowOf(s),
        remaining: rateLimit?.remaining,
        resetAt: rateLimit?.resetAt,
      },
      minMs: o.config.minPollMs,
      degrade: o.degrade(),
    });
  };
}

/** A source's wake loop, started at once. */
function startLoop(
  o: ReadingOptions,
  s: PolledSource,
  step: () => Promise<Temporal.Instant | undefined>,
) {
  const loop = createWakeLoop(o.clock, o.log.child(`reader.${s}`), step, {
    errorRetryMs: 30_000,
    resumeWhen: () => o.db.down(), // a read that failed for want of the database goes on with it
  });
  loop.kick();
  return loop;
}

/** The polled sources, the primary first: the timeline and search beside it, or search alone. */
const polledSources = (config: XConfig): PolledSource[] =>
  config.source === "search" ? ["search"] : config.search ? ["mentions", "search"] : ["mentions"];

/**
 * Before a read: the instant to wait until, else undefined (read now). A spent window waits for its
 * reset (never a 429 by ourselves); a source the phase does not read waits for the phase to change;
 * the sweep's reserve is left to it; the read that opens a new window is held until it will reset
 * mid-way through the hot phase (the primary's very first read never is: it finds the position).
 */
function holdBefore(o: {
  source: PolledSource;
  primary: boolean;
  now: Temporal.Instant;
  rateLimit?: RateLimit;
  /** The planner's pause after this read; undefined: not read in this phase. */
  pace?: number;
  phases: AuctionPhases;
  window: Window;
  /** When the last complete read started: a phase change (a kick) reads no sooner than due. */
  lastReadAt?: number;
  /** The last read opened one of the source's windows: this one opens the others beside it. */
  joining?: boolean;
}): Temporal.Instant | undefined {
  const { now, rateLimit, phases } = o;
  const nowMs = now.epochMilliseconds;
  const at = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms);
  if (rateLimit && rateLimit.remaining <= 0 && rateLimit.resetAt > nowMs) {
    return at(rateLimit.resetAt);
  }
  if (o.joining) return undefined;
  if (o.pace === undefined) {
    return phases.orPhaseChange(now.add({ milliseconds: PHASE_RECHECK_MS }));
  }
  const window = { ...o.window, remaining: rateLimit?.remaining, resetAt: rateLimit?.resetAt };
  if (!mayRead({ source: o.source, now: nowMs, phase: phases.now().phase, window })) {
    return rateLimit && rateLimit.resetAt > nowMs
      ? at(rateLimit.resetAt)
      : now.add({ milliseconds: PHASE_RECHECK_MS });
  }
  const opens = rateLimit ? rateLimit.resetAt <= nowMs : !o.primary;
  if (!opens) {
    // Kicked by a phase change (pre → open): the read the new phase's pace says is due, no sooner
    // (a read per phase change took a read from the open phase's window).
    const due = o.lastReadAt === undefined ? nowMs : o.lastReadAt + o.pace;
    return due > nowMs ? phases.orPhaseChange(at(due)) : undefined;
  }
  const wait = alignDelay({
    now: nowMs,
    hot: phases.hot(),
    windowMs: o.window.windowMs,
    slackMs: o.primary ? o.pace : o.window.windowMs,
    holds: o.window.limit - (o.source === "search" ? SWEEP_RESERVE : 0),
  });
  return wait > 0 ? phases.orPhaseChange(now.add({ milliseconds: wait })) : undefined;
}

/**
 * The sweep before the hammer, fed `auction.updated`; none when reading by search (the timeline
 * is what drops tweets now and then) or with `sweepMinutes: 0`.
 */
function closeSweepFor(
  o: ReadingOptions,
  ingest: (t: XTweet) => Promise<void>,
  searchWindow: () => RateLimit | undefined,
) {
  const sweep = o.config.sweepMinutes > 0 && o.config.source === "mentions"
    ? createCloseSweep({
      api: o.api,
      hostHandle: o.hostHandle,
      sweepMinutes: o.config.sweepMinutes,
      log: o.log.child("sweep"),
      now: () => o.clock.instant().epochMilliseconds,
      searchWindow,
      ingest,
    })
    : undefined;
  const offSweep = o.bus.on("auction.updated", ({ payload }) => sweep?.track(payload));
  return { sweep, offSweep };
}

/**
 * The filtered stream (tiers that have it, with an app-only token): opened after a complete read,
 * tried again at most once a minute; a fast path only — the poll alone confirms completeness.
 */
function streamOpener(o: ReadingOptions, ingest: (t: XTweet) => Promise<void>, onGap: () => void) {
  const want = o.config.stream && Boolean(o.tier.stream) && Boolean(o.streamToken);
  let stream: MentionStream | undefined;
  let triedAt: number | undefined;
  let stopped = false;
  return {
    state: (): "connected" | "down" | "off" =>
      want ? (stream?.connected() ? "connected" : "down") : "off",
    async open() {
      const now = o.clock.instant().epochMilliseconds;
      if (!want || stream || stopped) return;
      if (triedAt !== undefined && now - triedAt < STREAM_RETRY_MS) return;
      triedAt = now;
      try {
        const s = await startMentionStream({
          baseUrl: o.baseUrl,
          bearerToken: o.streamToken!,
          hostHandle: o.hostHandle,
          log: o.log.child("stream"),
          onTweet: (t) => {
            ingest(t).catch((error) => o.log.error("stream tweet failed", { error }));
          },
          // Backfill from the timeline: what the stream missed while down, the next read finds.
          onGap,
        });
        if (stopped) s.stop();
        else stream = s;
        o.log.info("filtered stream connected");
      } catch (error) {
        o.log.warn("filtered stream unavailable; polling only", {
          error: (error as Error).message,
        });
      }
    },
    stop() {
      stopped = true;
      stream?.stop();
    },
  };
}
