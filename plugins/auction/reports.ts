/**
 * Reports from the auction's tables: a day's auction summary, a campaign's
 * performance, the ledger of sales as CSV, and a handle's bidding history.
 * Plain functions over a `Queryable`; the CLI and the JSON routes call them.
 * Money stays `bigint` here; it becomes text only in CSV and JSON.
 */
import { nyString } from "../../core/clock.ts";
import type { Queryable } from "../../core/db.ts";
import { formatEth } from "./rules.ts";

const iso = (d: Date | null) =>
  d ? nyString(Temporal.Instant.fromEpochMilliseconds(d.getTime())) : null;
const wei = (s: string | null) => (s === null ? null : BigInt(s));
const party = (j: unknown) => {
  if (!j) return null;
  const p = (typeof j === "string" ? JSON.parse(j) : j) as {
    handle: string;
    amountWei: string;
    tweetId: string;
  };
  return { handle: p.handle, amountWei: BigInt(p.amountWei), tweetId: p.tweetId };
};

interface AuctionRow {
  id: string;
  item: string;
  campaign_id: string | null;
  status: string;
  starts_at: Date;
  current_ends_at: Date;
  closed_at: Date | null;
  reserve_wei: string;
  price_wei: string | null;
  extensions: number;
  winner: unknown;
  runner_up: unknown;
  settled: boolean;
}

export interface TimelineEntry {
  at: string;
  kind: "bid" | "admin";
  tweetId?: string;
  handle?: string;
  amountWei?: bigint | null;
  status?: string;
  reason?: string | null;
  action?: string;
  actor?: string;
  why?: string;
}

export interface DailySummary {
  auctionId: string;
  item: string;
  campaignId: string | null;
  status: string;
  startsAt: string;
  endsAt: string;
  closedAt: string | null;
  reserveWei: bigint;
  winner: { handle: string; amountWei: bigint; tweetId: string } | null;
  runnerUp: { handle: string; amountWei: bigint; tweetId: string } | null;
  priceWei: bigint | null;
  bids: number;
  accepted: number;
  rejected: Record<string, number>;
  uniqueBidders: number;
  extensions: number;
  timeline: TimelineEntry[];
  /**
   * The hash chains' heads (core/hash_chain.ts) as of this auction's newest bid and
   * override: publishing them pins the record up to there (`main.ts audit verify`).
   */
  chain: { bidLogHead: string | null; bidLogSeq: string | null; auditHead: string | null };
}

/** One auction's day: result, counts, and the timeline of every bid and override. */
export async function dailySummary(q: Queryable, auctionId: string): Promise<DailySummary | null> {
  const [a] = await q.query<AuctionRow>("select * from auction_auctions where id = $1", [
    auctionId,
  ]);
  if (!a) return null;
  const bids = await q.query<{
    tweet_id: string;
    handle: string;
    tweet_at: Date;
    amount_wei: string | null;
    status: string;
    reason: string | null;
  }>(
    `select tweet_id, handle, tweet_at, amount_wei, status, reason from auction_bids
     where auction_id = $1 order by seq`,
    [auctionId],
  );
  const audit = await q.query<{ action: string; actor: string; reason: string; at: Date }>(
    "select action, actor, reason, at from auction_audit where auction_id = $1 order by id",
    [auctionId],
  );
  const [bidHead] = await q.query<{ chain_hash: string; chain_seq: string }>(
    `select chain_hash, chain_seq from auction_bids where auction_id = $1 and chain_seq is not null
     order by chain_seq desc limit 1`,
    [auctionId],
  );
  const [auditHead] = await q.query<{ chain_hash: string }>(
    `select chain_hash from auction_audit where auction_id = $1 and chain_seq is not null
     order by chain_seq desc limit 1`,
    [auctionId],
  );
  const rejected: Record<string, number> = {};
  for (const b of bids) if (b.reason) rejected[b.reason] = (rejected[b.reason] ?? 0) + 1;
  const timeline: TimelineEntry[] = [
    ...bids.map((b): TimelineEntry => ({
      at: iso(b.tweet_at)!,
      kind: "bid",
      tweetId: b.tweet_id,
      handle: b.handle,
      amountWei: wei(b.amount_wei),
      status: b.status,
      reason: b.reason,
    })),
    ...audit.map((x): TimelineEntry => ({
      at: iso(x.at)!,
      kind: "admin",
      action: x.action,
      actor: x.actor,
      why: x.reason,
    })),
  ].sort((x, y) =>
    Temporal.Instant.compare(Temporal.Instant.from(x.at), Temporal.Instant.from(y.at))
  );
  return {
    auctionId: a.id,
    item: a.item,
    campaignId: a.campaign_id,
    status: a.status,
    startsAt: iso(a.starts_at)!,
    endsAt: iso(a.current_ends_at)!,
    closedAt: iso(a.closed_at),
    reserveWei: BigInt(a.reserve_wei),
    winner: party(a.winner),
    runnerUp: party(a.runner_up),
    priceWei: wei(a.price_wei),
    bids: bids.length,
    accepted: bids.filter((b) => b.status === "accepted").length,
    rejected,
    uniqueBidders: new Set(bids.map((b) => b.handle.toLowerCase())).size,
    extensions: a.extensions,
    timeline,
    chain: {
      bidLogHead: bidHead?.chain_hash ?? null,
      bidLogSeq: bidHead?.chain_seq ?? null,
      auditHead: auditHead?.chain_hash ?? null,
    },
  };
}

export interface CampaignPerformance {
  campaignId: string;
  name: string | null;
  days: Array<{
    auctionId: string;
    item: string;
    day: string;
    status: string;
    winner: string | null;
    priceWei: bigint | null;
    reserveWei: bigint;
    bids: number;
    uniqueBidders: number;
    extensions: number;
  }>;
  totals: {
    auctions: number;
    sold: number;
    revenueWei: bigint;
    bids: number;
    uniqueBidders: number;
    /** Sold ÷ closed, in basis points (exact integers). */
    sellThroughBps: number;
  };
}

export async function campaignPerformance(
  q: Queryable,
  campaignId: string,
): Promise<CampaignPerformance> {
  const [c] = await q.query<{ name: string }>("select name from auction_campaigns where id = $1", [
    campaignId,
  ]);
  const rows = await q.query<
    AuctionRow & { bids: string; bidders: string }
  >(
    `select a.*, count(b.tweet_id) as bids, count(distinct lower(b.handle)) as bidders
     from auction_auctions a left join auction_bids b on b.auction_id = a.id
     where a.campaign_id = $1 group by a.id order by a.starts_at`,
    [campaignId],
  );
  const [u] = await q.query<{ n: string }>(
    `select count(distinct lower(b.handle)) as n from auction_bids b
     join auction_auctions a on a.id = b.auction_id where a.campaign_id = $1`,
    [campaignId],
  );
  const days = rows.map((a) => {
    const winner = party(a.winner);
    return {
      auctionId: a.id,
      item: a.item,
      day: Temporal.Instant.fromEpochMilliseconds(a.starts_at.getTime())
        .toZonedDateTimeISO("America/New_York").toPlainDate().toString(),
      status: a.status,
      winner: winner?.handle ?? null,
      priceWei: winner?.amountWei ?? null,
      reserveWei: BigInt(a.reserve_wei),
      bids: Number(a.bids),
      uniqueBidders: Number(a.bidders),
      extensions: a.extensions,
    };
  });
  const closed = days.filter((d) => d.status === "closed");
  const sold = closed.filter((d) => d.winner);
  return {
    campaignId,
    name: c?.name ?? null,
    days,
    totals: {
      auctions: days.length,
      sold: sold.length,
      revenueWei: sold.reduce((s, d) => s + (d.priceWei ?? 0n), 0n),
      bids: days.reduce((s, d) => s + d.bids, 0),
      uniqueBidders: Number(u?.n ?? 0),
      sellThroughBps: closed.length ? Math.floor((sold.length * 10_000) / closed.length) : 0,
    },
  };
}

/**
 * One CSV cell. Text a spreadsheet would read as a formula (a leading `=`, `+`, `-`, `@`, tab or
 * carriage return: an item named `=HYPERLINK(…)` in the config) gets a leading `'`, so opening
 * the ledger never runs it.
 */
export const csvCell = (v: unknown) => {
  const raw = v === null || v === undefined ? "" : String(v);
  const s = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** A handle in the ledger, without its `@` (which a spreadsheet reads as a formula). */
const bareHandle = (handle: string | undefined) => handle?.replace(/^@/, "");

/** The ledger of sales (one row per closed auction with a winner), oldest first, as CSV. */
export async function ledgerCsv(
  q: Queryable,
  range: { from?: Temporal.Instant; to?: Temporal.Instant } = {},
): Promise<string> {
  const rows = await q.query<AuctionRow>(
    `select * from auction_auctions where status = 'closed' and winner is not null
       and ($1::timestamptz is null or closed_at >= $1)
       and ($2::timestamptz is null or closed_at < $2)
     order by closed_at, id`,
    [range.from ?? null, range.to ?? null],
  );
  const header = [
    "closed_at",
    "auction_id",
    "campaign_id",
    "item",
    "winner",
    "winning_tweet_id",
    "amount_wei",
    "amount_eth",
    "reserve_wei",
    "runner_up",
    "runner_up_wei",
    "settled",
  ];
  const lines = rows.map((a) => {
    const w = party(a.winner)!;
    const r = party(a.runner_up);
    return [
      iso(a.closed_at),
      a.id,
      a.campaign_id,
      a.item,
      bareHandle(w.handle),
      w.tweetId,
      w.amountWei,
      formatEth(w.amountWei).replace(" ETH", ""),
      a.reserve_wei,
      bareHandle(r?.handle),
      r?.amountWei,
      a.settled,
    ].map(csvCell).join(",");
  });
  return [header.join(","), ...lines].join("\n") + "\n";
}

export interface BidderHistory {
  handle: string;
  bids: Array<{
    auctionId: string | null;
    tweetId: string;
    at: string;
    amountWei: bigint | null;
    status: string;
    reason: string | null;
  }>;
  won: Array<{ auctionId: string; item: string; amountWei: bigint }>;
}

/** Every bid of a handle (any case), with its decision, and the auctions they won. */
export async function bidderHistory(q: Queryable, handle: string): Promise<BidderHistory> {
  const h = (handle.startsWith("@") ? handle : `@${handle}`).toLowerCase();
  const bids = await q.query<{
    auction_id: string | null;
    tweet_id: string;
    tweet_at: Date;
    amount_wei: string | null;
    status: string;
    reason: string | null;
  }>(
    `select auction_id, tweet_id, tweet_at, amount_wei, status, reason from auction_bids
     where lower(handle) = $1 order by seq`,
    [h],
  );
  const won = await q.query<AuctionRow>(
    `select * from auction_auctions where status = 'closed' and lower(winner->>'handle') = $1
     order by closed_at`,
    [h],
  );
  return {
    handle: h,
    bids: bids.map((b) => ({
      auctionId: b.auction_id,
      tweetId: b.tweet_id,
      at: iso(b.tweet_at)!,
      amountWei: wei(b.amount_wei),
      status: b.status,
      reason: b.reason,
    })),
    won: won.map((a) => ({ auctionId: a.id, item: a.item, amountWei: party(a.winner)!.amountWei })),
  };
}

/** One decided bid, as the admin panel lists it. */
export interface BidRow {
  seq: string;
  auctionId: string | null;
  tweetId: string;
  handle: string;
  text: string;
  tweetAt: string;
  decidedAt: string;
  amountWei: bigint | null;
  status: string;
  reason: string | null;
  message: string | null;
}

export interface BidFilter {
  auctionId?: string;
  /** Exact handle, with or without `@`, any case. */
  handle?: string;
  /** A rejection reason, or `accepted` / `voided` for those statuses. */
  reason?: string;
  /** Only bids decided before this one (`seq`), for the next page. */
  beforeSeq?: string;
  limit: number;
}

/** Decided bids, newest first. */
export async function listBids(q: Queryable, f: BidFilter): Promise<BidRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (f.auctionId) add("auction_id = ?", f.auctionId);
  if (f.handle) add("lower(handle) = ?", `@${f.handle.replace(/^@/, "")}`.toLowerCase());
  if (f.reason === "accepted" || f.reason === "voided") add("status = ?", f.reason);
  else if (f.reason) add("reason = ?", f.reason);
  if (f.beforeSeq) add("seq < ?", f.beforeSeq);
  params.push(f.limit);
  const rows = await q.query<{
    seq: string;
    auction_id: string | null;
    tweet_id: string;
    handle: string;
    text: string;
    tweet_at: Date;
    decided_at: Date;
    amount_wei: string | null;
    status: string;
    reason: string | null;
    message: string | null;
  }>(
    `select seq, auction_id, tweet_id, handle, text, tweet_at, decided_at, amount_wei, status,
       reason, message from auction_bids ${where.length ? `where ${where.join(" and ")}` : ""}
     order by seq desc limit $${params.length}`,
    params,
  );
  return rows.map((r) => ({
    seq: r.seq,
    auctionId: r.auction_id,
    tweetId: r.tweet_id,
    handle: r.handle,
    text: r.text,
    tweetAt: iso(r.tweet_at)!,
    decidedAt: iso(r.decided_at)!,
    amountWei: wei(r.amount_wei),
    status: r.status,
    reason: r.reason,
    message: r.message,
  }));
}
