/**
 * The host's memory in Postgres: every line said, refused, dropped or posted
 * (`host_lines`, with its grounding version and reason), the questions it was
 * asked (`host_memory`), and the records it reads its facts from — past
 * results and the campaign — so "yesterday" comes from the database, never
 * from a model. Invariants: writes never throw into the show (a failed write
 * is logged); a `once_key` line (a result) is said once, across restarts.
 */
import { TIME_ZONE } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { CampaignFacts, PastResult } from "./facts.ts";

export interface LineRecord {
  at: Temporal.Instant;
  campaignId: string | null;
  auctionId: string | null;
  kind: string;
  outcome: "said" | "refused" | "dropped" | "posted";
  source: "scripted" | "model";
  text: string;
  reason?: string | null;
  version: number;
  handle?: string | null;
  onceKey?: string | null;
}

export interface LineRow {
  id: string;
  at: string;
  kind: string;
  outcome: string;
  source: string;
  text: string;
  reason: string | null;
  version: number;
  auctionId: string | null;
  handle: string | null;
}

export function recordLine(db: Db, r: LineRecord): Promise<unknown> {
  return db.query(
    `insert into host_lines (at, campaign_id, auction_id, kind, outcome, source, text, reason, version, handle, once_key)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing`,
    [
      r.at,
      r.campaignId,
      r.auctionId,
      r.kind,
      r.outcome,
      r.source,
      r.text.slice(0, 2000),
      r.reason ?? null,
      r.version,
      r.handle ?? null,
      r.onceKey ?? null,
    ],
  );
}

export function recordQuestion(
  db: Db,
  at: Temporal.Instant,
  handle: string,
  text: string,
  campaignId: string | null,
): Promise<unknown> {
  return db.query(
    "insert into host_memory (at, kind, handle, text, campaign_id) values ($1, 'question', $2, $3, $4)",
    [at, handle, text.slice(0, 1000), campaignId],
  );
}

/** Lines said since `since`, oldest first: the repeat window survives a restart. */
export async function saidSince(
  db: Db,
  since: Temporal.Instant,
): Promise<Array<{ text: string; at: Temporal.Instant }>> {
  const rows = await db.query<{ text: string; at: Date | string }>(
    "select text, at from host_lines where outcome = 'said' and at >= $1 order by at, id limit 2000",
    [since],
  );
  return rows.map((r) => ({
    text: r.text,
    at: Temporal.Instant.fromEpochMilliseconds(new Date(r.at).getTime()),
  }));
}

/** An answer without its "@asker, " opening: the same answer to the same question from anyone. */
export const answerBody = (text: string) =>
  text.replace(/^@\w{1,15},\s*/, "").toLowerCase().replace(/\s+/g, " ").trim();

export async function onceKeys(db: Db): Promise<Set<string>> {
  const rows = await db.query<{ once_key: string }>(
    "select once_key from host_lines where once_key is not null",
  );
  return new Set(rows.map((r) => r.once_key));
}

const OUTCOMES = new Set(["said", "refused", "dropped", "posted"]);

/** Lines newest first, filtered by an allow-listed outcome, at most 500. */
export async function listLines(
  db: Db,
  q: { outcome?: string; limit?: number } = {},
): Promise<LineRow[]> {
  const limit = Math.max(1, Math.min(500, Math.floor(q.limit ?? 100) || 100));
  const outcome = q.outcome && OUTCOMES.has(q.outcome) ? q.outcome : null;
  if (q.outcome && !outcome) throw new Error(`outcome: one of ${[...OUTCOMES].join(", ")}`);
  const rows = await db.query<Record<string, unknown>>(
    `select id, at, kind, outcome, source, text, reason, version, auction_id, handle from host_lines
     ${outcome ? "where outcome = $2" : ""} order by id desc limit $1`,
    outcome ? [limit, outcome] : [limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at as string).toISOString(),
    kind: String(r.kind),
    outcome: String(r.outcome),
    source: String(r.source),
    text: String(r.text),
    reason: r.reason === null ? null : String(r.reason),
    version: Number(r.version),
    auctionId: r.auction_id === null ? null : String(r.auction_id),
    handle: r.handle === null ? null : String(r.handle),
  }));
}

/** Closed auctions with their results, oldest first (the last 14). */
export async function pastResults(db: Db): Promise<PastResult[]> {
  const rows = await db.query<
    {
      id: string;
      item: string;
      closed_at: Date | string | null;
      winner: unknown;
      runner_up: unknown;
    }
  >(
    `select id, item, closed_at, winner, runner_up from auction_auctions
     where status = 'closed' order by coalesce(closed_at, ends_at) desc limit 14`,
  );
  const party = (v: unknown) => {
    const o = typeof v === "string" ? JSON.parse(v) : v;
    return o && typeof o === "object" && typeof (o as { handle?: unknown }).handle === "string"
      ? o as { handle: string; amountWei?: string }
      : null;
  };
  return rows.reverse().map((r) => {
    const w = party(r.winner);
    const ru = party(r.runner_up);
    const closed = r.closed_at ? new Date(r.closed_at) : null;
    return {
      auctionId: r.id,
      item: r.item,
      date: closed
        ? Temporal.Instant.fromEpochMilliseconds(closed.getTime()).toZonedDateTimeISO(TIME_ZONE)
          .toPlainDate().toString()
        : "",
      winner: w?.handle ?? null,
      amountWei: w?.amountWei !== undefined && /^\d+$/.test(String(w.amountWei))
        ? BigInt(w.amountWei)
        : null,
      runnerUp: ru?.handle ?? null,
    };
  });
}

/** The campaign of an auction: day N of M, tomorrow's item. Null for a lone auction. */
export async function campaignFacts(
  db: Db,
  auctionId: string,
  now: Temporal.Instant,
): Promise<CampaignFacts | null> {
  const rows = await db.query<
    {
      id: string;
      name: string;
      project: string;
      collection: string;
      start_date: Date | string;
      end_date: Date | string;
      definition: unknown;
    }
  >(
    `select c.id, c.name, c.project, c.collection, c.start_date::text as start_date,
            c.end_date::text as end_date, c.definition
     from auction_campaigns c join auction_auctions a on a.campaign_id = c.id where a.id = $1`,
    [auctionId],
  );
  const c = rows[0];
  if (!c) return null;
  const start = Temporal.PlainDate.from(String(c.start_date).slice(0, 10));
  const end = Temporal.PlainDate.from(String(c.end_date).slice(0, 10));
  const today = now.toZonedDateTimeISO(TIME_ZONE).toPlainDate();
  const def = typeof c.definition === "string" ? JSON.parse(c.definition) : c.definition;
  const items: string[] = Array.isArray(def?.items)
    ? def.items.map((i: { item?: unknown }) => String(i?.item ?? "")).filter(Boolean)
    : [];
  const days = Math.min(items.length || Infinity, start.until(end).days + 1);
  const day = Math.max(1, Math.min(days, start.until(today).days + 1));
  return {
    id: c.id,
    name: c.name,
    project: c.project,
    collection: c.collection,
    day,
    days,
    nextItem: day < days ? items[day] ?? null : null,
  };
}
