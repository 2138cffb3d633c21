/**
 * Reads the host's mentions exactly once, in tweet order, across pages and
 * restarts. One read cycle fetches every page newer than the stored `since_id`
 * (X pages newest → oldest); only when the cycle is complete are its tweets
 * stored and the position moved, in one transaction. Tweets then go on the bus
 * in id order and are marked handled once the auction has decided them; a
 * crash in between re-emits them on restart (consumers key on tweet id). A 429 or a 5xx mid-cycle keeps the
 * pages read so far and resumes at the failed page: nothing is skipped.
 *
 * `poll()` never sleeps: it returns when to call it again, so the caller's
 * clock (real or virtual) does the waiting. Several readers (one per source:
 * the mentions timeline, recent search) run side by side, each with its own
 * `since_id` (`positionKey`), sharing one storing lock (`serial`), so a tweet
 * two sources return is stored and emitted once. A 429 waits exactly until
 * `x-rate-limit-reset` (without it: the endpoint's window); X's error 226
 * ("automated") pauses for long (15 min, doubling to 2 h) and a spent monthly
 * cap until the next month, both reported by `status()`.
 */
import type { Clock } from "../../core/clock.ts";
import { type SerialQueue, serialQueue } from "../../core/serial_queue.ts";
import type { Db, Queryable } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { type RateLimit, searchEndTime, type XApi, type XTweet } from "./x_api.ts";
// The watermark's meaning is the auction's (it owns `tweets.read-through`).
import { DEFAULT_INGEST_LAG_MS, readThroughAt } from "../auction/mod.ts";

export { DEFAULT_INGEST_LAG_MS, readThroughAt };

export interface StoredTweet extends XTweet {
  receivedAt: Temporal.Instant;
}

export interface MentionReaderOptions {
  db: Db;
  api: XApi;
  clock: Clock;
  log: Log;
  accountId: string;
  /** Where this source's position is kept (default: the account id, the mentions timeline's). */
  positionKey?: string;
  /** The storing lock, shared by every reader of the account (and the stream). */
  serial?: SerialQueue;
  /** The endpoint's window: how long a 429 without a reset header waits. */
  windowMs?: number;
  /** The pause before the next read given the last headers (the planner); default: even pace. */
  pace?(rateLimit: RateLimit | undefined): number;
  /** Each page's tweets as X returned them (counted against the monthly cap). */
  onPage?(items: XTweet[]): void | Promise<void>;
  hostHandle: string;
  /** `mentions` timeline, or recent `search` for the handle. */
  source: "mentions" | "search";
  /** On the very first run: read the mentions already there (true) or start from now. */
  backfill: boolean;
  /** How long X may take to make a new tweet visible; the watermark stays this far behind. */
  ingestLagMs: number;
  /** The pause between reads before any `x-rate-limit-*` header is seen. */
  tierIntervalMs: number;
  /** The shortest pause between reads, whatever the headers allow. */
  minIntervalMs: number;
  /** Posts per page (X: 5–100 on the timeline, 10–100 on search); a function is asked each page. */
  maxResults?: number | (() => number);
  /** Called for each new tweet, in id order; may be async. */
  onTweet(tweet: StoredTweet): void | Promise<void>;
  /**
   * Resolves once what the tweets started downstream is done (the auction's decisions):
   * tweets are marked handled only then, so a crash before a decision re-emits them.
   */
  settled?(): Promise<void>;
  /** Every mention created at or before `until` has been passed to onTweet. Awaited. */
  onReadThrough(until: Temporal.Instant): void | Promise<void>;
}

/** How long X's error 226 pauses reading: 15 min, doubling, at most 2 h. */
export const automatedPauseMs = (times: number) =>
  Math.min(2 * 3600_000, 15 * 60_000 * 2 ** Math.max(0, times - 1));

export interface PollResult {
  /** When to poll next. */
  nextAt: Temporal.Instant;
  outcome: "complete" | "partial" | "rate-limited" | "error" | "paused";
  read: number;
}

export interface MentionReader {
  poll(): Promise<PollResult>;
  /** A tweet from the filtered stream: emitted now unless already seen. */
  ingest(tweet: XTweet): Promise<void>;
  /** Emits tweets stored but not yet handled (after a crash). */
  drain(): Promise<number>;
  status(): {
    sinceId?: string;
    readThrough?: string;
    failures: number;
    rateLimit?: RateLimit;
    lastError?: string;
    /** Reading paused by X (226 automated, the monthly cap) until then. */
    pausedUntil?: string;
    pauseReason?: "automated" | "capped";
  };
}

/**
 * Stores tweets once each (by id), a page in one statement; returns how many were new.
 * Rows go in chunks far under the drivers' parameter limit.
 */
async function insertTweets(q: Queryable, tweets: XTweet[], received: Temporal.Instant) {
  let fresh = 0;
  for (let i = 0; i < tweets.length; i += 500) {
    const chunk = tweets.slice(i, i + 500);
    const rows = await q.query(
      `insert into x_tweets (tweet_id, id_order, author_id, handle, text, created_at, received_at,
         quotes, edit_history)
       values ${
        chunk.map((_, k) => {
          const p = (n: number) => `$${k * 9 + n}`;
          return `(${p(1)}, ${p(2)}::numeric, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${
            p(8)
          }, ${p(9)})`;
        }).join(", ")
      } on conflict (tweet_id) do nothing returning tweet_id`,
      chunk.flatMap((t) => [
        t.id,
        t.id,
        t.authorId,
        t.handle,
        t.text,
        t.createdAt,
        received,
        t.quotes ?? null,
        t.editHistory?.join(",") ?? null,
      ]),
    );
    fresh += rows.length;
  }
  return fresh;
}

const byId = (a: XTweet, b: XTweet) => {
  const x = BigInt(a.id), y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** What one reader keeps between polls, passed explicitly to its parts. */
interface ReaderState {
  position?: { sinceId?: string; readThrough?: Temporal.Instant };
  cycle?: {
    startedAt: Temporal.Instant;
    token?: string;
    tweets: XTweet[];
    cutoff?: number;
    /** The newest id seen, kept or not: where the next cycle starts. */
    newest?: string;
  };
  rateLimit?: RateLimit;
  failures: number;
  lastError?: string;
  paused?: { until: Temporal.Instant; reason: "automated" | "capped" };
  automatedTimes: number;
}

const later = (o: MentionReaderOptions, ms: number) =>
  o.clock.instant().add({ milliseconds: Math.max(0, Math.round(ms)) });

export function createMentionReader(o: MentionReaderOptions): MentionReader {
  const st: ReaderState = { failures: 0, automatedTimes: 0 };
  // Storing and emitting run one at a time, so the stream and the polls never emit a tweet twice.
  const serial = o.serial ?? serialQueue();
  const positionKey = o.positionKey ?? o.accountId;

  const load = async () => {
    if (st.position) return st.position;
    const [row] = await o.db.query<{ since_id: string | null; read_through: Date | null }>(
      "select since_id, read_through from x_read_position where account_id = $1",
      [positionKey],
    );
    st.position = {
      sinceId: row?.since_id ?? undefined,
      readThrough: row?.read_through
        ? Temporal.Instant.fromEpochMilliseconds(row.read_through.getTime())
        : undefined,
    };
    return st.position;
  };

  /** The pause the last headers allow, else the tier's. */
  const paceMs = (now: Temporal.Instant) => {
    const rateLimit = st.rateLimit;
    if (o.pace) return Math.max(o.minIntervalMs, o.pace(rateLimit));
    if (!rateLimit) return o.tierIntervalMs;
    const left = rateLimit.resetAt - now.epochMilliseconds;
    if (rateLimit.remaining <= 0) return Math.max(o.minIntervalMs, left + 1000);
    if (left <= 0) return o.minIntervalMs;
    return Math.max(o.minIntervalMs, Math.ceil(left / rateLimit.remaining));
  };

  const commit = async (startedAt: Temporal.Instant, tweets: XTweet[], newestSeen?: string) => {
    const pos = await load();
    const fresh = [...new Map(tweets.map((t) => [t.id, t])).values()].sort(byId);
    const received = o.clock.instant();
    const newest = newestSeen ?? fresh.at(-1)?.id ?? pos.sinceId;
    const until = readThroughAt(startedAt, o.ingestLagMs, pos.readThrough);
    await o.db.transaction(async (tx) => {
      await insertTweets(tx, fresh, received);
      await tx.query(
        `insert into x_read_position (account_id, since_id, read_through, updated_at)
         values ($1, $2, $3, $4)
         on conflict (account_id) do update set since_id = $2, read_through = $3, updated_at = $4`,
        [positionKey, newest ?? null, until, received],
      );
    });
    st.position = { sinceId: newest, readThrough: until };
    await drainUnhandled(o);
    return { read: fresh.length, until };
  };

  const poll = async (): Promise<PollResult> => {
    const pos = await load();
    if (st.paused && Temporal.Instant.compare(st.paused.until, o.clock.instant()) > 0) {
      return { nextAt: st.paused.until, outcome: "paused", read: 0 };
    }
    st.paused = undefined;
    if (!st.cycle) {
      const startedAt = o.clock.instant();
      st.cycle = {
        startedAt,
        tweets: [],
        // First run without backfill: only what is tweeted from the first read on (a read
        // that found nothing yet left no since_id, but its time as the watermark).
        cutoff: !pos.sinceId && !o.backfill
          ? (pos.readThrough ?? startedAt).epochMilliseconds
          : undefined,
      };
    }
    const c = st.cycle;
    try {
      const partial = await readPages(o, st, pos.sinceId, c);
      if (partial) return partial;
    } catch (error) {
      return readFailure(o, st, error);
    }
    o.log.debug("read cycle complete", { tweets: c.tweets.length, rateLimit: st.rateLimit });
    // Kept until stored: a failed commit is retried with the same tweets, not re-read.
    const { read, until } = await serial.run(() => commit(c.startedAt, c.tweets, c.newest));
    st.cycle = undefined;
    // Outside the storing lock: the listener may store tweets itself (the sweep before a close).
    await o.onReadThrough(until);
    return { nextAt: later(o, paceMs(o.clock.instant())), outcome: "complete", read };
  };

  const ingest = (t: XTweet) =>
    serial.run(async () => {
      const received = o.clock.instant();
      if (!(await insertTweets(o.db, [t], received))) return;
      await drainUnhandled(o);
    });

  return {
    poll,
    ingest,
    drain: () => serial.run(() => drainUnhandled(o)),
    status: () => ({
      sinceId: st.position?.sinceId,
      readThrough: st.position?.readThrough?.toString(),
      failures: st.failures,
      rateLimit: st.rateLimit,
      lastError: st.lastError,
      pausedUntil: st.paused?.until.toString(),
      pauseReason: st.paused?.reason,
    }),
  };
}

const fetchPage = (
  o: MentionReaderOptions,
  c: NonNullable<ReaderState["cycle"]>,
  sinceId?: string,
) => {
  const wanted = typeof o.maxResults === "function" ? o.maxResults() : o.maxResults ?? 100;
  const floor = o.source === "search" ? 10 : 5;
  const maxResults = Math.max(floor, Math.min(100, Math.floor(wanted)));
  const page = { sinceId, paginationToken: c.token, maxResults };
  if (o.source !== "search") return o.api.mentions(o.accountId, page);
  // The freshest search X allows, the same bound for every page of the cycle.
  const endTime = searchEndTime(c.startedAt.epochMilliseconds);
  return o.api.search(`@${o.hostHandle.replace(/^@/, "")} -is:retweet`, { ...page, endTime });
};

/**
 * Every page of the cycle newer than `sinceId`, kept in `c` (a failure resumes at the failed
 * page). Returns a partial result when the window ran out mid-cycle; undefined when complete.
 */
async function readPages(
  o: MentionReaderOptions,
  st: ReaderState,
  sinceId: string | undefined,
  c: NonNullable<ReaderState["cycle"]>,
): Promise<PollResult | undefined> {
  for (;;) {
    const page = await fetchPage(o, c, sinceId);
    st.failures = 0;
    st.automatedTimes = 0;
    st.lastError = undefined;
    if (page.rateLimit) st.rateLimit = page.rateLimit;
    await o.onPage?.(page.items);
    if (page.items.length && (!c.newest || byId(page.items[0], { id: c.newest } as XTweet) > 0)) {
      c.newest = page.items[0].id;
    }
    const items = c.cutoff === undefined
      ? page.items
      : page.items.filter((t) => Date.parse(t.createdAt) >= c.cutoff!);
    c.tweets.push(...items);
    const exhausted = c.cutoff !== undefined && items.length < page.items.length;
    if (!page.nextToken || exhausted) return undefined;
    c.token = page.nextToken;
    const rateLimit = st.rateLimit;
    if (rateLimit && rateLimit.remaining <= 0) {
      const wait = rateLimit.resetAt - o.clock.instant().epochMilliseconds;
      return { nextAt: later(o, wait), outcome: "partial", read: 0 };
    }
  }
}

/** A failed read: wait exactly for a 429's reset, pause long for 226 or the cap, else back off. */
function readFailure(o: MentionReaderOptions, st: ReaderState, error: unknown): PollResult {
  const e = error as { kind?: string; resetAt?: number; message?: string };
  st.lastError = e.message;
  o.log.debug("read failed", { kind: e.kind, error: e.message });
  if (e.kind === "rate-limited") {
    const now = o.clock.instant().epochMilliseconds;
    // Exactly until the reset; without the header, one whole window of the endpoint.
    const reset = e.resetAt ?? now + (o.windowMs ?? o.tierIntervalMs);
    st.rateLimit = { limit: st.rateLimit?.limit ?? 1, remaining: 0, resetAt: reset };
    o.log.warn("X rate limit: waiting for the reset", {
      resetInMs: reset - now,
      header: e.resetAt !== undefined,
    });
    return { nextAt: later(o, reset - now), outcome: "rate-limited", read: 0 };
  }
  if (e.kind === "automated" || e.kind === "capped") {
    const now = o.clock.instant();
    const until = e.kind === "automated"
      ? now.add({ milliseconds: automatedPauseMs(++st.automatedTimes) })
      : nextMonthUtc(now);
    st.paused = { until, reason: e.kind };
    o.log.error(
      e.kind === "automated"
        ? "X refused reading as automated activity (226): pausing reads"
        : "X's monthly cap on posts read is spent: reads pause until the month ends",
      { until: until.toString(), error: e.message },
    );
    return { nextAt: until, outcome: "paused", read: 0 };
  }
  st.failures++;
  if (e.kind === "rejected") st.cycle = undefined; // e.g. a stale page token: restart from since_id
  const backoff = Math.min(60_000, 1000 * 2 ** Math.min(6, st.failures - 1));
  o.log.warn("reading mentions failed; retrying", {
    error: e.message,
    kind: e.kind,
    retryInMs: backoff,
  });
  return { nextAt: later(o, backoff * (0.8 + 0.4 * Math.random())), outcome: "error", read: 0 };
}

/** Emits the tweets stored but not yet handled, in id order; marks them handled once decided. */
async function drainUnhandled(o: MentionReaderOptions): Promise<number> {
  const rows = await o.db.query<{
    tweet_id: string;
    author_id: string;
    handle: string;
    text: string;
    created_at: Date;
    received_at: Date;
    quotes: string | null;
    edit_history: string | null;
  }>(
    `select tweet_id, author_id, handle, text, created_at, received_at, quotes, edit_history
       from x_tweets where not handled order by id_order`,
  );
  for (const r of rows) {
    try {
      await o.onTweet({
        id: r.tweet_id,
        authorId: r.author_id,
        handle: r.handle,
        text: r.text,
        createdAt: r.created_at.toISOString(),
        receivedAt: Temporal.Instant.fromEpochMilliseconds(r.received_at.getTime()),
        ...(r.quotes ? { quotes: r.quotes } : {}),
        ...(r.edit_history ? { editHistory: r.edit_history.split(",") } : {}),
      });
    } catch (error) {
      o.log.error("handling a tweet failed", { tweetId: r.tweet_id, error });
    }
  }
  if (rows.length) await o.settled?.();
  if (rows.length) {
    await o.db.query("update x_tweets set handled = true where tweet_id = any($1)", [
      rows.map((r) => r.tweet_id),
    ]);
  }
  return rows.length;
}

/** The first instant of the next calendar month, UTC (when X's monthly count starts again). */
export function nextMonthUtc(now: Temporal.Instant): Temporal.Instant {
  const d = new Date(now.epochMilliseconds);
  return Temporal.Instant.fromEpochMilliseconds(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1));
}
