/**
 * One post out, exactly once: the atomic claim (`pending → sending`), the POST, and every answer X
 * may give — sent, 429 (wait for the reset), duplicate (a new wording, or an earlier attempt
 * landed), 226 (pause for long), refused for good (`failed`, reported), or unknown (stay
 * `sending`; `reconcile` looks for the text on the own timeline before anything is sent again).
 */
import { automatedPauseMs } from "./mention_reader.ts";
import { rephrase, WORDINGS } from "./outbox.ts";
import type { OutboxState, Row } from "./outbox_state.ts";
import type { RateLimit } from "./x_api.ts";

export function noteRateLimit(s: OutboxState, rl?: RateLimit) {
  if (!rl) return;
  if (rl.day) s.serverDay = rl.day;
  if (rl.remaining <= 0) s.blocked = Temporal.Instant.fromEpochMilliseconds(rl.resetAt + 1000);
  if (rl.day && rl.day.remaining <= 0) {
    s.blocked = Temporal.Instant.fromEpochMilliseconds(rl.day.resetAt + 1000);
  }
}

/** Settles rows left `sending`: posted (found in our timeline) → sent; else back to pending. */
export async function reconcile(s: OutboxState): Promise<boolean> {
  const rows = await s.o.db.query<Row>(
    "select * from x_outbox where status = 'sending' order by id",
  );
  if (!rows.length) return true;
  const account = s.o.accountId();
  if (!account) return false;
  const earliest = Math.min(...rows.map((r) => (r.attempted_at ?? r.created_at).getTime()));
  const since = new Date(earliest - 60_000).toISOString();
  let ours: Array<{ id: string; text: string }>;
  try {
    ours = (await s.o.api.ownTweets(account, since)).items;
    s.reconcileError = undefined;
  } catch (error) {
    s.reconcileError = (error as Error).message;
    s.o.log.warn("cannot reconcile in-flight posts yet", { error: s.reconcileError });
    return false;
  }
  for (const r of rows) {
    const found = ours.find((t) => t.text === r.text);
    if (found) {
      await s.o.db.query(
        `update x_outbox set status = 'sent', sent_at = coalesce(attempted_at, $2), tweet_id = $3
          where id = $1`,
        [r.id, s.now(), found.id],
      );
      s.o.log.info("in-flight post had been sent; not sending again", {
        key: r.key,
        tweetId: found.id,
      });
    } else {
      await s.o.db.query("update x_outbox set status = 'pending' where id = $1", [r.id]);
    }
  }
  return true;
}

/**
 * The first wording from `variant` on that no recent post of ours has (X refuses
 * duplicate content), or undefined when every wording is taken.
 */
export async function uniqueText(s: OutboxState, id: string, text: string, variant: number) {
  for (let n = variant; n <= WORDINGS.length; n++) {
    const candidate = rephrase(text, n);
    const [dup] = await s.o.db.query(
      `select 1 from x_outbox where text = $1 and id <> $2
          and (status = 'sending' or (status = 'sent' and sent_at > $3)) limit 1`,
      [candidate, id, s.ago(86_400_000)],
    );
    if (!dup) return { text: candidate, variant: n };
  }
  return undefined;
}

/** Refused for good: failed, with the reason, reported. */
export async function fail(s: OutboxState, row: Row, reason: string) {
  await s.o.db.query(
    "update x_outbox set status = 'failed', error = $2, failed_at = $3 where id = $1",
    [row.id, reason, s.now()],
  );
  s.o.log.error("X refused a post for good", { key: row.key, error: reason });
  s.o.onFailed?.({ key: row.key, kind: row.kind, reason });
}

export async function send(s: OutboxState, row: Row): Promise<"sent" | "stop" | "taken"> {
  // The claim is atomic: should a second dispatcher share the table, one of them posts.
  const claimed = await s.o.db.query(
    `update x_outbox set status = 'sending', attempts = attempts + 1, attempted_at = $2
      where id = $1 and status = 'pending' returning id`,
    [row.id, s.now()],
  );
  if (!claimed.length) return "taken";
  try {
    const res = await s.o.api.post(row.text, row.reply_to ?? undefined);
    s.failures = 0;
    s.automatedTimes = 0;
    s.automated = undefined;
    await s.o.db.query(
      "update x_outbox set status = 'sent', sent_at = $2, tweet_id = $3, error = null where id = $1",
      [row.id, s.now(), res.id],
    );
    noteRateLimit(s, res.rateLimit);
    s.o.onSent?.({
      key: row.key,
      kind: row.kind,
      tweetId: res.id,
      delayMs: s.now().epochMilliseconds - row.created_at.getTime(),
    });
    return "sent";
  } catch (error) {
    const e = error as { kind?: string; resetAt?: number; message?: string };
    if (e.kind === "rate-limited") {
      await s.o.db.query("update x_outbox set status = 'pending' where id = $1", [row.id]);
      s.blocked = Temporal.Instant.fromEpochMilliseconds(
        e.resetAt ?? s.now().epochMilliseconds + s.noHeaderWaitMs,
      );
      s.o.log.warn("X refused a post with 429; waiting for the reset", {
        until: String(s.blocked),
      });
      return "stop";
    }
    if (e.kind === "duplicate" && row.attempts > 0) {
      // A retry refused as a duplicate: an earlier attempt of this very post landed.
      await s.o.db.query(
        `update x_outbox set status = 'sent', sent_at = coalesce(attempted_at, $2), error = $3
          where id = $1`,
        [row.id, s.now(), `duplicate on retry: the earlier attempt landed (${e.message})`],
      );
      return "sent";
    }
    if (e.kind === "duplicate") {
      // The text is on X already (not by this outbox's rows): a new wording, or none left.
      const next = await uniqueText(s, row.id, row.base_text ?? row.text, row.variant + 1);
      if (!next) {
        await fail(s, row, `duplicate content in every wording (${e.message})`);
        return "sent";
      }
      await s.o.db.query(
        `update x_outbox set status = 'pending', text = $2, variant = $3,
           base_text = coalesce(base_text, $4), attempts = 0, error = $5 where id = $1`,
        [row.id, next.text, next.variant, row.base_text ?? row.text, e.message],
      );
      s.o.log.warn("X refused a post as a duplicate: worded anew", { key: row.key });
      return "taken";
    }
    if (e.kind === "automated") {
      await s.o.db.query(
        "update x_outbox set status = 'pending', error = $2 where id = $1",
        [row.id, e.message],
      );
      s.automated = s.now().add({ milliseconds: automatedPauseMs(++s.automatedTimes) });
      s.blocked = s.automated;
      s.o.log.error("X refused posting as automated activity (226): posting paused", {
        until: s.automated.toString(),
      });
      return "stop";
    }
    if (e.kind === "rejected") {
      await fail(s, row, e.message ?? "rejected");
      return "sent";
    }
    // Timeout, 5xx, network: the post may exist. Stay `sending`; reconcile before retrying.
    s.failures++;
    s.inDoubt = true;
    await s.o.db.query("update x_outbox set error = $2 where id = $1", [row.id, e.message]);
    const backoff = Math.min(60_000, 1000 * 2 ** Math.min(6, s.failures - 1));
    s.blocked = s.now().add({ milliseconds: backoff });
    s.o.log.warn("posting failed; will check and retry", { key: row.key, error: e.message });
    return "stop";
  }
}
