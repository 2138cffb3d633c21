/**
 * One dispatch round: reconcile what may be in flight, drop rows too old to matter, then send
 * pending rows in priority order while every window (and X's own 24-hour count) has room above the
 * row's reserve and its priority's pace allows; under pressure a coalesce group goes out as one
 * post. Returns when to come back.
 */
import { clip, type DispatchResult, PRIORITIES } from "./outbox.ts";
import { fail, reconcile, send, uniqueText } from "./outbox_send.ts";
import { type OutboxState, payloadOf, type Row, windowUsage } from "./outbox_state.ts";

export async function lastSentByPriority(s: OutboxState) {
  const rows = await s.o.db.query<{ priority: number; at: Date }>(
    `select priority, max(sent_at) as at from x_outbox
      where status = 'sent' and sent_at > $1 group by priority`,
    [s.ago(s.spacingMs * 4)],
  );
  return new Map(rows.map((r) => [r.priority, r.at.getTime()]));
}

/** Too old to matter (its full age reached): the stream already showed it. One statement. */
async function dropStale(s: OutboxState) {
  // Each row against its own priority's cutoff (none: kept).
  const cutoffs = PRIORITIES.map((p) => {
    const age = s.policy[p].maxAgeMs;
    return Number.isFinite(age) ? s.ago(age).toString() : null;
  });
  if (!cutoffs.some((c) => c !== null)) return;
  await s.o.db.query(
    `update x_outbox set status = 'dropped'
      where status = 'pending' and created_at <= ($1::text[])[priority + 1]::timestamptz`,
    [cutoffs],
  );
}

type Room = (w: { limit: number; windowMs: number }, left: number) => boolean;

/**
 * When a row that does not fit now fits again: each full window gains room as its own oldest
 * posts age out of it (the 15-minute window of Pro in 15 minutes, not when the day's window
 * does — waiting by the longest window left Pro's last outbid notices unsent for a day), and X's
 * own day count at its reset. The latest of those; undefined when the window holds none of
 * ours (what fills it is in flight elsewhere: an enqueue wakes the loop).
 */
async function roomAgainAt(
  s: OutboxState,
  used: Array<{ limit: number; windowMs: number; used: number }>,
  free: Room,
  day: { limit: number; remaining: number; resetAt: number } | undefined,
  now: number,
): Promise<number | undefined> {
  let at = now;
  for (const w of used) {
    if (free(w, w.limit - w.used)) continue;
    // The fewest posts that must leave this window for the row to fit (if even all of them
    // would not do — the day's plan holds it —, look again once they have: the plan moves on).
    let need = 1;
    while (need < w.used && !free(w, w.limit - w.used + need)) need++;
    const [oldest] = await s.o.db.query<{ at: Date }>(
      `select coalesce(sent_at, attempted_at, created_at) as at from x_outbox
        where (status = 'sent' and sent_at > $1)
           or (status = 'sending' and coalesce(attempted_at, created_at) > $1)
        order by 1 offset $2 limit 1`,
      [s.ago(w.windowMs), need - 1],
    );
    if (!oldest) return undefined;
    at = Math.max(at, Math.ceil(oldest.at.getTime() + w.windowMs + 1));
  }
  if (day && !free({ limit: day.limit, windowMs: 86_400_000 }, day.remaining)) {
    at = Math.max(at, day.resetAt + 1);
  }
  return at;
}

export async function dispatch(s: OutboxState): Promise<DispatchResult> {
  let sent = 0;
  s.waiting.clear();
  if (s.blocked && Temporal.Instant.compare(s.blocked, s.now()) > 0) {
    return { nextAt: s.blocked, sent };
  }
  s.blocked = undefined;
  if (s.inDoubt) {
    if (!(await reconcile(s))) {
      s.blocked = s.now().add({ milliseconds: s.reconcileRetryMs });
      return { nextAt: s.blocked, sent };
    }
    s.inDoubt = false;
  }
  await dropStale(s);
  // Counted once per round, then kept up to date as posts go out.
  const used = await windowUsage(s);
  const last = await lastSentByPriority(s);
  for (;;) {
    s.waiting.clear(); // until this round says when it comes back
    const t = s.now();
    const pending = await s.o.db.query<Row>(
      `select * from x_outbox where status = 'pending' and (not_before is null or not_before <= $1)
        order by priority, id`,
      [t],
    );
    if (!pending.length) {
      const [next] = await s.o.db.query<{ at: Date | null }>(
        "select min(not_before) as at from x_outbox where status = 'pending'",
      );
      return {
        nextAt: next?.at ? Temporal.Instant.fromEpochMilliseconds(next.at.getTime()) : undefined,
        sent,
      };
    }
    let choice: Row | undefined;
    let wakeAt: number | undefined;
    // Kept only when this round returns to come back at `wakeAt` (every wait is at or after it).
    const waiting = new Map<number, number>();
    const wait = (priority: number, at: number) => {
      wakeAt = Math.min(wakeAt ?? Infinity, at);
      waiting.set(priority, Math.min(waiting.get(priority) ?? Infinity, at));
    };
    // Per priority, this round: when its windows have room again (undefined: not by waiting).
    const roomAt = new Map<number, number | undefined>();
    for (const row of pending) {
      const p = s.policy[PRIORITIES[row.priority]];
      const day = s.serverDay && s.serverDay.resetAt > t.epochMilliseconds
        ? s.serverDay
        : undefined;
      // The day's planned posts (openings, winners, results…) are kept free in daily windows.
      const planned = s.o.planned?.(PRIORITIES[row.priority]) ?? 0;
      const free = (w: { limit: number; windowMs: number }, left: number) =>
        left - (w.windowMs >= 86_400_000 ? planned : 0) > Math.floor(p.reserve * w.limit);
      const fits = used.every((w) => free(w, w.limit - w.used)) &&
        (!day || free({ limit: day.limit, windowMs: 86_400_000 }, day.remaining));
      if (!fits) {
        // Waits until every full window has room for it again (each by its own length).
        if (!roomAt.has(row.priority)) {
          roomAt.set(row.priority, await roomAgainAt(s, used, free, day, t.epochMilliseconds));
        }
        const at = roomAt.get(row.priority);
        if (at !== undefined) wait(row.priority, at);
        continue;
      }
      const lastAt = last.get(row.priority);
      const readyAt = lastAt === undefined ? 0 : Math.ceil(lastAt + p.pace * s.spacingMs);
      if (readyAt > t.epochMilliseconds) {
        wait(row.priority, readyAt);
        continue;
      }
      choice = row;
      break;
    }
    if (!choice) {
      s.waiting = waiting;
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
      if (group.length > 1 && waited >= s.coalesceAfterMs) {
        const carrier = group.at(-1)!;
        const summarize = s.summaries[carrier.kind];
        const merged = summarize
          ? summarize(group.map((r) => ({
            text: r.text,
            replyTo: r.reply_to ?? undefined,
            payload: payloadOf(r.payload),
          })))
          : { text: carrier.text, replyTo: carrier.reply_to ?? undefined };
        await s.o.db.transaction(async (tx) => {
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
    const worded = await uniqueText(s, choice.id, choice.base_text ?? choice.text, choice.variant);
    if (!worded) {
      await fail(s, choice, "the same text was posted in every wording in the last 24 h");
      continue;
    }
    if (worded.text !== choice.text) {
      await s.o.db.query(
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
    const outcome = await send(s, choice);
    if (outcome === "stop") return { nextAt: s.blocked, sent };
    if (outcome === "taken") continue;
    sent++;
    for (const w of used) w.used++;
    last.set(choice.priority, s.now().epochMilliseconds);
  }
}
