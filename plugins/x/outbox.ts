/**
 * The outbox: every post the account makes, persisted in Postgres.
 *
 * Exactly once across crashes: a row is marked `sending` (committed) before
 * the POST and `sent` with X's tweet id after. A row found `sending` — after a
 * crash, a timeout or a 5xx, when the post may or may not exist — is
 * reconciled against the account's own recent tweets before anything is sent
 * again; texts are unique (the duplicate-text guard words a repeated text anew,
 * `rephrase`, never with a visible counter), so the text identifies the post.
 * X's duplicate refusal (187 / 403) on a first attempt words the post anew,
 * up to `WORDINGS` times, then fails it; on a retry it means an earlier attempt
 * landed. A post refused for good is `failed` with `failed_at` and reported
 * (`onFailed`, /healthz). A row in flight holds budget only while its attempt
 * is inside the window, and one stuck (its timeline cannot be read) shows in
 * `stuck()`. X's error 226 pauses posting for long (`automatedUntil`).
 *
 * The budget: every window of the tier (e.g. Basic 100 posts / 24 h) counts
 * sent and in-flight rows and is never exceeded. Lower priorities keep a
 * reserve free for higher ones and are paced to the tier's average rate;
 * while they wait, rows with the same coalesce key merge into one post (ten
 * acks become one "new leader" post), and rows too old to matter are dropped
 * to the stream only. Each handle has a share (`perHandle`): past it, that handle's refusals
 * and answers are stored `skipped`, so a spammer cannot spend the account's posts.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db, Queryable } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { Window } from "./tier_limits.ts";
import type { XApi } from "./x_api.ts";
import { dispatch } from "./outbox_dispatch.ts";
import { type OutboxState, windowUsage } from "./outbox_state.ts";

/** Natural closers that make a repeated text a different post (no visible counter). */
export const WORDINGS = [
  "Thanks!",
  "Noted.",
  "Cheers!",
  "Stay tuned.",
  "See you on the stream.",
  "Thank you!",
  "All the best.",
  "Onwards!",
] as const;

/** The text in its `variant`-th wording (0: as written), within X's 280 characters. */
export function rephrase(text: string, variant: number): string {
  if (variant <= 0) return clip(text);
  const tail = ` ${WORDINGS[(variant - 1) % WORDINGS.length]}`;
  return clip(text, MAX_CHARS - tail.length) + tail;
}

export const PRIORITIES = [
  "winner",
  "outbid",
  "rejection",
  "answer",
  "ack",
  "announcement",
  "chatter",
] as const;
export type Priority = typeof PRIORITIES[number];

/** Per priority: the share of each window kept free for higher ones, the pace, the age limit. */
export interface PriorityPolicy {
  /** May post only while more than `reserve × limit` posts remain in every window. */
  reserve: number;
  /** Minimum gap between two posts of this priority, in units of the tier's average spacing. */
  pace: number;
  /** This old (or older) and still unsent: dropped (the stream shows it). Infinity = never. */
  maxAgeMs: number;
}

export const DEFAULT_POLICY: Record<Priority, PriorityPolicy> = {
  winner: { reserve: 0, pace: 0, maxAgeMs: Infinity },
  outbid: { reserve: 0.05, pace: 0.25, maxAgeMs: 2 * 3600_000 },
  rejection: { reserve: 0.15, pace: 0.5, maxAgeMs: 30 * 60_000 },
  // A person's own question (help, history, remind): its own pace, never behind a burst of acks.
  answer: { reserve: 0.2, pace: 0.5, maxAgeMs: 30 * 60_000 },
  ack: { reserve: 0.3, pace: 1, maxAgeMs: 15 * 60_000 },
  announcement: { reserve: 0.35, pace: 1, maxAgeMs: 3600_000 },
  chatter: { reserve: 0.5, pace: 2, maxAgeMs: 10 * 60_000 },
};

export interface PostRequest {
  /** Idempotency key: enqueueing the same key twice posts once. */
  key: string;
  /** What it is (`ack`, `outbid`, `results`…); picks the coalescing summary. */
  kind: string;
  priority: Priority;
  text: string;
  replyTo?: string;
  /** Rows with the same key may merge into one post while they wait. */
  coalesceKey?: string;
  /** Data for the coalescing summary. */
  payload?: Record<string, unknown>;
  /** The person it answers (`@handle`): counted against that handle's share (`perHandle`). */
  handle?: string;
}

/**
 * Each handle's share of the budget: in any `windowMs`, at most `posts` rows of these
 * priorities answer one handle; past it, its further ones are stored `skipped` (never sent),
 * so one spammer's refusals cannot use up the account's posts.
 */
export interface PerHandleShare {
  posts: number;
  windowMs: number;
  priorities: Priority[];
}

/** Turns several waiting rows (oldest first) into the text of one post. */
export type Summarize = (
  rows: Array<{ text: string; replyTo?: string; payload: Record<string, unknown> }>,
) => { text: string; replyTo?: string };

export interface OutboxOptions {
  db: Db;
  api: XApi;
  clock: Clock;
  log: Log;
  accountId: () => string | undefined;
  windows: Window[];
  policy?: Record<Priority, PriorityPolicy>;
  summaries?: Record<string, Summarize>;
  /** A group of waiting rows merges once its oldest has waited this long (default 5 s). */
  coalesceAfterMs?: number;
  /** Called when a row is sent, with the enqueue → sent delay (ms). */
  onSent?: (row: { key: string; kind: string; tweetId: string; delayMs: number }) => void;
  /** Called when X refuses a post for good (or every wording of it is a duplicate). */
  onFailed?: (row: { key: string; kind: string; reason: string }) => void;
  /** How long to wait before reconciling again after the own timeline could not be read. */
  reconcileRetryMs?: number;
  /** Posts planned for the day that a row of this priority must leave free (`post_plan.ts`). */
  planned?: (priority: Priority) => number;
  /** Each handle's share of the budget (none: no share). */
  perHandle?: PerHandleShare;
}

export interface DispatchResult {
  /** When to dispatch again (undefined: nothing waiting). */
  nextAt?: Temporal.Instant;
  sent: number;
}

export interface Outbox {
  /** Stores the request (once per key); true when it is new. */
  enqueue(request: PostRequest, tx?: Queryable): Promise<boolean>;
  /** Sends what may be sent now; returns when to come back. */
  dispatch(): Promise<DispatchResult>;
  /**
   * Whether a fresh row of this priority could not be sent now anyway: the last round found
   * its priority waiting (pace, full window) past now, and came back then. A fresh row needs
   * no round of its own until that passes (ten acks a second cost no ten rounds).
   */
  waitsFor(priority: Priority): boolean;
  /** Posts used in each window now. */
  usage(): Promise<Array<{ limit: number; windowMs: number; used: number }>>;
  /** Whether X told us to wait (429 or an exhausted window), and until when. */
  blockedUntil(): Temporal.Instant | undefined;
  /** Until when X's error 226 pauses posting, if it does. */
  automatedUntil(): Temporal.Instant | undefined;
  /** Rows in flight longer than `olderThanMs` (their fate unknown), and the last reconcile error. */
  stuck(olderThanMs: number): Promise<{ count: number; since?: string; error?: string }>;
  /** Posts refused for good since `sinceMs` ago: how many, the latest reason. */
  failures(sinceMs: number): Promise<{ count: number; last?: { key: string; error: string } }>;
}

const MAX_CHARS = 280;

/** Cuts text to X's limit by code points (X counts most characters as one). */
export const clip = (text: string, max = MAX_CHARS) => {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + "…";
};

/**
 * Stores a request once per key. A row over its handle's share is stored `skipped` in the
 * same statement (the count and the insert see one snapshot: concurrent enqueues for one
 * handle may pass the share by as many as run at once; the engine enqueues them in turn).
 */
/** A request's columns, in the order both inserts name them (key … handle). */
function rowValues(r: PostRequest, at: Temporal.Instant) {
  return [
    r.key,
    r.kind,
    PRIORITIES.indexOf(r.priority),
    r.coalesceKey ?? null,
    clip(r.text),
    r.replyTo ?? null,
    JSON.stringify(r.payload ?? {}),
    at,
    r.handle ? r.handle.replace(/^@?/, "@").toLowerCase() : null,
  ] as const;
}

function insertRow(db: Queryable, r: PostRequest, at: Temporal.Instant, share?: PerHandleShare) {
  const values = rowValues(r, at);
  const handle = values[8];
  const shared = handle && share && share.priorities.includes(r.priority) ? share : undefined;
  return db.query(
    `insert into x_outbox
       (key, kind, priority, coalesce_key, text, reply_to, payload, created_at, handle, status, error)
     select $1, $2, $3, $4, $5, $6, $7, $8, $9, s.status,
            case when s.status = 'skipped' then $13 end
       from (select case when $10::int is not null and (
               select count(*) from x_outbox
                where handle = $9 and priority = any($11::int[]) and created_at > $12
                  and status <> 'skipped') >= $10::int
             then 'skipped' else 'pending' end as status) s
     on conflict (key) do nothing returning id, status`,
    [
      ...values,
      shared ? shared.posts : null,
      shared ? shared.priorities.map((p) => PRIORITIES.indexOf(p)) : [],
      at.subtract({ milliseconds: shared?.windowMs ?? 0 }),
      shared
        ? `over ${handle}'s share: ${shared.posts} posts a ${shared.windowMs / 1000} s window`
        : null,
    ],
  );
}

const COLUMNS = 9; // rowValues' length

/**
 * Requests without a per-handle share queued in the same turn of the event loop, stored in one
 * statement (the acks and outbid replies of a group of decisions); each caller learns whether
 * its key was new once the rows are written. A statement refused is retried row by row, so one
 * bad row fails only its own caller. Rows keep their queue order (their ids).
 */
function batchedInsert(db: Queryable) {
  type Waiting = { r: PostRequest; at: Temporal.Instant; done: (fresh: boolean | Error) => void };
  let queued: Waiting[] = [];
  const insert = async (batch: Waiting[]) => {
    const rows = await db.query<{ key: string }>(
      `insert into x_outbox (key, kind, priority, coalesce_key, text, reply_to, payload, created_at,
         handle) values ${
        batch.map((_, i) =>
          `(${Array.from({ length: COLUMNS }, (_, k) => `$${i * COLUMNS + k + 1}`).join(", ")})`
        ).join(", ")
      } on conflict (key) do nothing returning key`,
      batch.flatMap(({ r, at }) => rowValues(r, at)),
    );
    const fresh = new Set(rows.map((row) => row.key));
    // A key queued twice in one batch is new once: for its first caller.
    for (const w of batch) w.done(fresh.delete(w.r.key));
  };
  const flush = async () => {
    const batch = queued.slice(0, 200);
    queued = queued.slice(200);
    if (queued.length) setTimeout(flush, 0);
    try {
      await insert(batch);
    } catch {
      for (const w of batch) {
        await insert([w]).catch((error) =>
          w.done(error instanceof Error ? error : new Error(error))
        );
      }
    }
  };
  return (r: PostRequest, at: Temporal.Instant) =>
    new Promise<boolean>((resolve, reject) => {
      queued.push({ r, at, done: (f) => (f instanceof Error ? reject(f) : resolve(f)) });
      if (queued.length === 1) setTimeout(flush, 0);
    });
}

export function createOutbox(o: OutboxOptions): Outbox {
  const now = () => o.clock.instant();
  const s: OutboxState = {
    o,
    policy: o.policy ?? DEFAULT_POLICY,
    summaries: o.summaries ?? {},
    coalesceAfterMs: o.coalesceAfterMs ?? 5_000,
    reconcileRetryMs: o.reconcileRetryMs ?? 5_000,
    noHeaderWaitMs: Math.min(15 * 60_000, ...o.windows.map((w) => w.windowMs)),
    spacingMs: Math.max(...o.windows.map((w) => w.windowMs / w.limit)),
    waiting: new Map(),
    failures: 0,
    automatedTimes: 0,
    inDoubt: true,
    now,
    ago: (ms) => now().subtract({ milliseconds: Math.round(ms) }),
  };
  const ago = s.ago;
  const batched = batchedInsert(o.db);

  return {
    async enqueue(r, tx) {
      const shared = r.handle && o.perHandle?.priorities.includes(r.priority);
      // A row counted against its handle's share goes alone (the count and the insert in one
      // snapshot); so does one inside the caller's transaction.
      if (tx || shared) return (await insertRow(tx ?? o.db, r, now(), o.perHandle)).length > 0;
      return await batched(r, now());
    },
    dispatch: () => dispatch(s),
    waitsFor: (priority) =>
      (s.waiting.get(PRIORITIES.indexOf(priority)) ?? 0) > now().epochMilliseconds,
    usage: () => windowUsage(s),
    blockedUntil: () => s.blocked,
    automatedUntil: () =>
      s.automated && Temporal.Instant.compare(s.automated, now()) > 0 ? s.automated : undefined,
    async stuck(olderThanMs) {
      const [r] = await o.db.query<{ n: string; since: Date | null }>(
        `select count(*)::int8 as n, min(coalesce(attempted_at, created_at)) as since
           from x_outbox where status = 'sending' and coalesce(attempted_at, created_at) < $1`,
        [ago(olderThanMs)],
      );
      return {
        count: Number(r.n),
        since: r.since ? r.since.toISOString() : undefined,
        error: s.reconcileError,
      };
    },
    async failures(sinceMs) {
      const rows = await o.db.query<{ key: string; error: string | null }>(
        `select key, error from x_outbox where status = 'failed' and failed_at > $1
          order by failed_at desc`,
        [ago(sinceMs)],
      );
      return {
        count: rows.length,
        last: rows[0] ? { key: rows[0].key, error: rows[0].error ?? "" } : undefined,
      };
    },
  };
}
