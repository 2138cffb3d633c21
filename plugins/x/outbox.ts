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
 * to the stream only.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db, Queryable } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { Window } from "./tier_limits.ts";
import type { RateLimit, XApi } from "./x_api.ts";
import { automatedPauseMs } from "./mention_reader.ts";

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

interface Row {
  id: string;
  key: string;
  kind: string;
  priority: number;
  coalesce_key: string | null;
  text: string;
  reply_to: string | null;
  status: string;
  created_at: Date;
  attempted_at: Date | null;
  attempts: number;
  base_text: string | null;
  variant: number;
  payload: Record<string, unknown> | string;
}

const MAX_CHARS = 280;

/** Cuts text to X's limit by code points (X counts most characters as one). */
export const clip = (text: string, max = MAX_CHARS) => {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + "…";
};

const payloadOf = (p: Row["payload"]) => (typeof p === "string" ? JSON.parse(p) : p) ?? {};

export function createOutbox(o: OutboxOptions): Outbox {
  const policy = o.policy ?? DEFAULT_POLICY;
  const summaries = o.summaries ?? {};
  const coalesceAfterMs = o.coalesceAfterMs ?? 5_000;
  let blocked: Temporal.Instant | undefined;
  let failures = 0;
  let automated: Temporal.Instant | undefined;
  let automatedTimes = 0;
  let reconcileError: string | undefined;
  const reconcileRetryMs = o.reconcileRetryMs ?? 5_000;
  // A 429 without a reset header waits by the posting window (at most X's 15 minutes).
  const noHeaderWaitMs = Math.min(15 * 60_000, ...o.windows.map((w) => w.windowMs));
  // Rows may be left `sending` (a crash before this start, or a failure since).
  let inDoubt = true;
  // The tier's average spacing: the tightest window's limit spread over its length.
  const spacingMs = Math.max(...o.windows.map((w) => w.windowMs / w.limit));

  const now = () => o.clock.instant();
  const ago = (ms: number) => now().subtract({ milliseconds: Math.round(ms) });

  const usage = async () =>
    await Promise.all(o.windows.map(async (w) => {
      const [r] = await o.db.query<{ n: string }>(
        `select count(*)::int8 as n from x_outbox
          where (status = 'sent' and sent_at > $1)
             or (status = 'sending' and coalesce(attempted_at, created_at) > $1)`,
        [ago(w.windowMs)],
      );
      return { ...w, used: Number(r.n) };
    }));

  const lastSentByPriority = async () => {
    const rows = await o.db.query<{ priority: number; at: Date }>(
      `select priority, max(sent_at) as at from x_outbox
        where status = 'sent' and sent_at > $1 group by priority`,
      [ago(spacingMs * 4)],
    );
    return new Map(rows.map((r) => [r.priority, r.at.getTime()]));
  };

  /** X's own count of the 24-hour posting window (it also sees posts made elsewhere). */
  let serverDay: { limit: number; remaining: number; resetAt: number } | undefined;
  const noteRateLimit = (rl?: RateLimit) => {
    if (!rl) return;
    if (rl.day) serverDay = rl.day;
    if (rl.remaining <= 0) blocked = Temporal.Instant.fromEpochMilliseconds(rl.resetAt + 1000);
    if (rl.day && rl.day.remaining <= 0) {
      blocked = Temporal.Instant.fromEpochMilliseconds(rl.day.resetAt + 1000);
    }
  };

  /** Settles rows left `sending`: posted (found in our timeline) → sent; else back to pending. */
  const reconcile = async (): Promise<boolean> => {
    const rows = await o.db.query<Row>(
      "select * from x_outbox where status = 'sending' order by id",
    );
    if (!rows.length) return true;
    const account = o.accountId();
    if (!account) return false;
    const earliest = Math.min(...rows.map((r) => (r.attempted_at ?? r.created_at).getTime()));
    const since = new Date(earliest - 60_000).toISOString();
    let ours: Array<{ id: string; text: string }>;
    try {
      ours = (await o.api.ownTweets(account, since)).items;
      reconcileError = undefined;
    } catch (error) {
      reconcileError = (error as Error).message;
      o.log.warn("cannot reconcile in-flight posts yet", { error: reconcileError });
      return false;
    }
    for (const r of rows) {
      const found = ours.find((t) => t.text === r.text);
      if (found) {
        await o.db.query(
          `update x_outbox set status = 'sent', sent_at = coalesce(attempted_at, $2), tweet_id = $3
            where id = $1`,
          [r.id, now(), found.id],
        );
        o.log.info("in-flight post had been sent; not sending again", {
          key: r.key,
          tweetId: found.id,
        });
      } else {
        await o.db.query("update x_outbox set status = 'pending' where id = $1", [r.id]);
      }
    }
    return true;
  };

  /**
   * The first wording from `variant` on that no recent post of ours has (X refuses
   * duplicate content), or undefined when every wording is taken.
   */
  const uniqueText = async (id: string, text: string, variant: number) => {
    for (let n = variant; n <= WORDINGS.length; n++) {
      const candidate = rephrase(text, n);
      const [dup] = await o.db.query(
        `select 1 from x_outbox where text = $1 and id <> $2
            and (status = 'sending' or (status = 'sent' and sent_at > $3)) limit 1`,
        [candidate, id, ago(86_400_000)],
      );
      if (!dup) return { text: candidate, variant: n };
    }
    return undefined;
  };

  /** Refused for good: failed, with the reason, reported. */
  const fail = async (row: Row, reason: string) => {
    await o.db.query(
      "update x_outbox set status = 'failed', error = $2, failed_at = $3 where id = $1",
      [row.id, reason, now()],
    );
    o.log.error("X refused a post for good", { key: row.key, error: reason });
    o.onFailed?.({ key: row.key, kind: row.kind, reason });
  };

  const send = async (row: Row): Promise<"sent" | "stop" | "taken"> => {
    // The claim is atomic: should a second dispatcher share the table, one of them posts.
    const claimed = await o.db.query(
      `update x_outbox set status = 'sending', attempts = attempts + 1, attempted_at = $2
        where id = $1 and status = 'pending' returning id`,
      [row.id, now()],
    );
    if (!claimed.length) return "taken";
    try {
      const res = await o.api.post(row.text, row.reply_to ?? undefined);
      failures = 0;
      automatedTimes = 0;
      automated = undefined;
      await o.db.query(
        "update x_outbox set status = 'sent', sent_at = $2, tweet_id = $3, error = null where id = $1",
        [row.id, now(), res.id],
      );
      noteRateLimit(res.rateLimit);
      o.onSent?.({
        key: row.key,
        kind: row.kind,
        tweetId: res.id,
        delayMs: now().epochMilliseconds - row.created_at.getTime(),
      });
      return "sent";
    } catch (error) {
      const e = error as { kind?: string; resetAt?: number; message?: string };
      if (e.kind === "rate-limited") {
        await o.db.query("update x_outbox set status = 'pending' where id = $1", [row.id]);
        blocked = Temporal.Instant.fromEpochMilliseconds(
          e.resetAt ?? now().epochMilliseconds + noHeaderWaitMs,
        );
        o.log.warn("X refused a post with 429; waiting for the reset", { until: String(blocked) });
        return "stop";
      }
      if (e.kind === "duplicate" && row.attempts > 0) {
        // A retry refused as a duplicate: an earlier attempt of this very post landed.
        await o.db.query(
          `update x_outbox set status = 'sent', sent_at = coalesce(attempted_at, $2), error = $3
            where id = $1`,
          [row.id, now(), `duplicate on retry: the earlier attempt landed (${e.message})`],
        );
        return "sent";
      }
      if (e.kind === "duplicate") {
        // The text is on X already (not by this outbox's rows): a new wording, or none left.
        const next = await uniqueText(row.id, row.base_text ?? row.text, row.variant + 1);
        if (!next) {
          await fail(row, `duplicate content in every wording (${e.message})`);
          return "sent";
        }
        await o.db.query(
          `update x_outbox set status = 'pending', text = $2, variant = $3,
             base_text = coalesce(base_text, $4), attempts = 0, error = $5 where id = $1`,
          [row.id, next.text, next.variant, row.base_text ?? row.text, e.message],
        );
        o.log.warn("X refused a post as a duplicate: worded anew", { key: row.key });
        return "taken";
      }
      if (e.kind === "automated") {
        await o.db.query(
          "update x_outbox set status = 'pending', error = $2 where id = $1",
          [row.id, e.message],
        );
        automated = now().add({ milliseconds: automatedPauseMs(++automatedTimes) });
        blocked = automated;
        o.log.error("X refused posting as automated activity (226): posting paused", {
          until: automated.toString(),
        });
        return "stop";
      }
      if (e.kind === "rejected") {
        await fail(row, e.message ?? "rejected");
        return "sent";
      }
      // Timeout, 5xx, network: the post may exist. Stay `sending`; reconcile before retrying.
      failures++;
      inDoubt = true;
      await o.db.query("update x_outbox set error = $2 where id = $1", [row.id, e.message]);
      const backoff = Math.min(60_000, 1000 * 2 ** Math.min(6, failures - 1));
      blocked = now().add({ milliseconds: backoff });
      o.log.warn("posting failed; will check and retry", { key: row.key, error: e.message });
      return "stop";
    }
  };

  const dispatch = async (): Promise<DispatchResult> => {
    let sent = 0;
    if (blocked && Temporal.Instant.compare(blocked, now()) > 0) return { nextAt: blocked, sent };
    blocked = undefined;
    if (inDoubt) {
      if (!(await reconcile())) {
        blocked = now().add({ milliseconds: reconcileRetryMs });
        return { nextAt: blocked, sent };
      }
      inDoubt = false;
    }
    // Too old to matter (its full age reached): the stream already showed it.
    for (const [i, p] of PRIORITIES.entries()) {
      const age = policy[p].maxAgeMs;
      if (!Number.isFinite(age)) continue;
      await o.db.query(
        `update x_outbox set status = 'dropped'
          where status = 'pending' and priority = $1 and created_at <= $2`,
        [i, ago(age)],
      );
    }
    // Counted once per round, then kept up to date as posts go out.
    const used = await usage();
    const last = await lastSentByPriority();
    for (;;) {
      const t = now();
      const pending = await o.db.query<Row>(
        `select * from x_outbox where status = 'pending' and (not_before is null or not_before <= $1)
          order by priority, id`,
        [t],
      );
      if (!pending.length) {
        const [next] = await o.db.query<{ at: Date | null }>(
          "select min(not_before) as at from x_outbox where status = 'pending'",
        );
        return {
          nextAt: next?.at ? Temporal.Instant.fromEpochMilliseconds(next.at.getTime()) : undefined,
          sent,
        };
      }
      let choice: Row | undefined;
      let wakeAt: number | undefined;
      for (const row of pending) {
        const p = policy[PRIORITIES[row.priority]];
        const day = serverDay && serverDay.resetAt > t.epochMilliseconds ? serverDay : undefined;
        const fits = used.every((w) => w.limit - w.used > Math.floor(p.reserve * w.limit)) &&
          (!day || day.remaining > Math.floor(p.reserve * day.limit));
        if (!fits) {
          // Waits for the oldest post of the window to age out.
          const free = await o.db.query<{ at: Date }>(
            "select min(sent_at) as at from x_outbox where status = 'sent' and sent_at > $1",
            [ago(Math.max(...o.windows.map((w) => w.windowMs)))],
          );
          const out = free[0]?.at?.getTime();
          if (out !== undefined) {
            const at = Math.ceil(out + Math.max(...o.windows.map((w) => w.windowMs)) + 1);
            wakeAt = Math.min(wakeAt ?? Infinity, at);
          }
          continue;
        }
        const lastAt = last.get(row.priority);
        const readyAt = lastAt === undefined ? 0 : Math.ceil(lastAt + p.pace * spacingMs);
        if (readyAt > t.epochMilliseconds) {
          wakeAt = Math.min(wakeAt ?? Infinity, readyAt);
          continue;
        }
        choice = row;
        break;
      }
      if (!choice) {
        return {
          nextAt: wakeAt === undefined ? undefined : Temporal.Instant.fromEpochMilliseconds(wakeAt),
          sent,
        };
      }
      // Under pressure (the group's oldest row has waited past the reply target), the
      // newest row of the group carries one post for all of them; else each goes alone.
      if (choice.coalesce_key) {
        const group = pending.filter((r) => r.coalesce_key === choice!.coalesce_key);
        const waited = t.epochMilliseconds - group[0].created_at.getTime();
        if (group.length > 1 && waited >= coalesceAfterMs) {
          const carrier = group.at(-1)!;
          const summarize = summaries[carrier.kind];
          const merged = summarize
            ? summarize(group.map((r) => ({
              text: r.text,
              replyTo: r.reply_to ?? undefined,
              payload: payloadOf(r.payload),
            })))
            : { text: carrier.text, replyTo: carrier.reply_to ?? undefined };
          await o.db.transaction(async (tx) => {
            await tx.query(
              `update x_outbox set status = 'coalesced', coalesced_into = $1
                where id = any($2) and status = 'pending'`,
              [carrier.id, group.slice(0, -1).map((r) => r.id)],
            );
            await tx.query("update x_outbox set text = $2, reply_to = $3 where id = $1", [
              carrier.id,
              clip(merged.text),
              merged.replyTo ?? null,
            ]);
          });
          choice = { ...carrier, text: clip(merged.text), reply_to: merged.replyTo ?? null };
        }
      }
      const worded = await uniqueText(choice.id, choice.base_text ?? choice.text, choice.variant);
      if (!worded) {
        await fail(choice, "the same text was posted in every wording in the last 24 h");
        continue;
      }
      if (worded.text !== choice.text) {
        await o.db.query(
          "update x_outbox set text = $2, variant = $3, base_text = coalesce(base_text, $4) where id = $1",
          [choice.id, worded.text, worded.variant, choice.base_text ?? choice.text],
        );
        choice = {
          ...choice,
          text: worded.text,
          variant: worded.variant,
          base_text: choice.base_text ?? choice.text,
        };
      }
      const outcome = await send(choice);
      if (outcome === "stop") return { nextAt: blocked, sent };
      if (outcome === "taken") continue;
      sent++;
      for (const w of used) w.used++;
      last.set(choice.priority, now().epochMilliseconds);
    }
  };

  return {
    async enqueue(r, tx) {
      const rows = await (tx ?? o.db).query(
        `insert into x_outbox (key, kind, priority, coalesce_key, text, reply_to, payload, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (key) do nothing returning id`,
        [
          r.key,
          r.kind,
          PRIORITIES.indexOf(r.priority),
          r.coalesceKey ?? null,
          clip(r.text),
          r.replyTo ?? null,
          JSON.stringify(r.payload ?? {}),
          now(),
        ],
      );
      return rows.length > 0;
    },
    dispatch,
    usage,
    blockedUntil: () => blocked,
    automatedUntil: () =>
      automated && Temporal.Instant.compare(automated, now()) > 0 ? automated : undefined,
    async stuck(olderThanMs) {
      const [r] = await o.db.query<{ n: string; since: Date | null }>(
        `select count(*)::int8 as n, min(coalesce(attempted_at, created_at)) as since
           from x_outbox where status = 'sending' and coalesce(attempted_at, created_at) < $1`,
        [ago(olderThanMs)],
      );
      return {
        count: Number(r.n),
        since: r.since ? r.since.toISOString() : undefined,
        error: reconcileError,
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
