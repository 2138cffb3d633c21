/**
 * What the outbox keeps between dispatches besides its table, passed explicitly to its parts
 * (`outbox_send.ts`, `outbox_dispatch.ts`): when X told it to wait, the 226 pause, whether rows
 * may be left in flight, X's own 24-hour count, until when a priority must wait. Everything else
 * is in `x_outbox`.
 */
import type { Outbox, OutboxOptions, Priority, PriorityPolicy, Summarize } from "./outbox.ts";

export interface Row {
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

export interface OutboxState {
  o: OutboxOptions;
  policy: Record<Priority, PriorityPolicy>;
  summaries: Record<string, Summarize>;
  coalesceAfterMs: number;
  reconcileRetryMs: number;
  /** A 429 without a reset header waits by the posting window (at most X's 15 minutes). */
  noHeaderWaitMs: number;
  /** The tier's average spacing: the tightest window's limit spread over its length. */
  spacingMs: number;
  blocked?: Temporal.Instant;
  /**
   * By priority: the last round found its rows must wait until then (its pace, or a full
   * window's oldest post ageing out); a fresh row of it needs no round before (`waitsFor`).
   */
  waiting: Map<number, number>;
  /** Posting failures in a row (timeouts, 5xx): the back-off. */
  failures: number;
  automated?: Temporal.Instant;
  automatedTimes: number;
  reconcileError?: string;
  /** Rows may be left `sending` (a crash before this start, or a failure since). */
  inDoubt: boolean;
  /** X's own count of the 24-hour posting window (it also sees posts made elsewhere). */
  serverDay?: { limit: number; remaining: number; resetAt: number };
  now(): Temporal.Instant;
  ago(ms: number): Temporal.Instant;
}

export const payloadOf = (p: Row["payload"]) => (typeof p === "string" ? JSON.parse(p) : p) ?? {};

/** Posts used in each window now (sent, and in flight while the attempt is inside the window). */
export async function windowUsage(s: OutboxState): ReturnType<Outbox["usage"]> {
  return await Promise.all(s.o.windows.map(async (w) => {
    const [r] = await s.o.db.query<{ n: string }>(
      `select count(*)::int8 as n from x_outbox
        where (status = 'sent' and sent_at > $1)
           or (status = 'sending' and coalesce(attempted_at, created_at) > $1)`,
      [s.ago(w.windowMs)],
    );
    return { ...w, used: Number(r.n) };
  }));
}
