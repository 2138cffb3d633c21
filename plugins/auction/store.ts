/**
 * Postgres persistence of the auction: each decision is one transaction
 * (the tweet's row with its status and reason, the automatic raise it caused,
 * and the auction row); the tweet id is the bids' primary key, so a repeated
 * tweet changes nothing. On start the whole market is rebuilt from these rows.
 * Text is bounded and amounts checked before they are sent: nothing goes to
 * SQL that its column cannot hold.
 */
import {
  type Announcement,
  decisionEvents,
  decodeAnnouncements,
  encodeAnnouncements,
} from "./announce.ts";
import { nyString } from "../../core/clock.ts";
import type { Db, Queryable } from "../../core/db.ts";
import {
  type AdminAction,
  type AuctionRules,
  type AuctionState,
  type Decision,
  leaderOf,
  type Market,
  newAuction,
  type Party,
  type RateLimit,
  type Status,
} from "./rules.ts";

interface AuctionRow {
  id: string;
  item: string;
  campaign_id: string | null;
  starts_at: Date;
  ends_at: Date;
  max_ends_at: Date;
  reserve_wei: string;
  min_increment_bps: number;
  min_increment_wei: string;
  extension_window_seconds: number;
  extension_seconds: number;
  ingest_grace_seconds: number;
  status: Status;
  current_ends_at: Date;
  extensions: number;
  decisions: number;
  closed_at: Date | null;
  winner: PartyJson | null;
  runner_up: PartyJson | null;
  settled: boolean;
}

interface PartyJson {
  handle: string;
  amountWei: string;
  tweetId: string;
  bidderId?: string;
}

export interface DecisionRecord {
  decision: Decision;
  authorId?: string;
  text: string;
  receivedAt: Temporal.Instant | null;
  decidedAt: Temporal.Instant;
  /** The auction after the decision (absent when the bid named no auction). */
  auction: AuctionState | null;
}

export interface AuditRecord {
  auctionId: string;
  actor: string;
  /** An admin's override, or the system holding an auction back (`blocked`). */
  action: AdminAction | { action: "blocked"; reason: string };
  reason: string;
  at: Temporal.Instant;
  before: unknown;
  after: unknown;
}

export interface AuctionStore {
  /** Inserts the auction if its id is new; returns whether it was. */
  createAuction(rules: AuctionRules): Promise<boolean>;
  /**
   * Records decisions in order, in one transaction; for each, false when its tweet was
   * recorded before (that one changes nothing).
   */
  recordDecisions(records: DecisionRecord[]): Promise<boolean[]>;
  /** Saves an auction's state, with an audit row when an admin changed it. */
  saveAuction(state: AuctionState, audit?: AuditRecord, voided?: string): Promise<void>;
  loadMarket(
    limits: { rateLimit: RateLimit; maxBidWei: bigint },
    now: Temporal.Instant,
  ): Promise<Market>;
  /** Every tweet id decided so far, with the auction it was for. */
  tweetIds(): Promise<Array<[string, string | null]>>;
  /** The public receipts of an auction's decisions, in order (after `afterSeq`). */
  receipts(auctionId: string, afterSeq: number, limit: number): Promise<Receipt[]>;
  /** A cheap round trip: whether the database answers at all. */
  ping(): Promise<void>;
  /** While the database does not answer, resolved once it does again (`Db.down`). */
  down(): Promise<void> | undefined;
  /** Decisions recorded and not yet told to every listener (a crash came between), in order. */
  untold(): Promise<Array<{ tweetId: string; events: Announcement[]; decidedAt: Date }>>;
  /** These decisions have been told: their outbox rows go. */
  told(tweetIds: string[]): Promise<void>;
}

/** One decision as anyone may see it: no maximum, no tweet text. */
export interface Receipt {
  seq: number;
  tweetId: string;
  /** The tweet on X (for an automatic raise: the tweet that placed the maximum). */
  link: string;
  handle: string;
  tweetAt: string;
  decidedAt: string;
  /** The amount as written in the tweet (a maximum's only once the auction has ended). */
  amountText: string | null;
  amountWei: bigint | null;
  decision: "accepted" | "rejected" | "voided";
  reason: string | null;
  message: string | null;
  /** An automatic raise of a maximum bid, and the tweet that caused it. */
  proxy: boolean;
  causedBy: string | null;
  /** bid | max | cancel-max (accepted tweets). */
  action: string | null;
}

/** The largest value a `numeric(78, 0)` column holds. */
export const NUMERIC_78_MAX = 10n ** 78n - 1n;
const fits = (
  wei: bigint | null,
) => (wei !== null && wei >= 0n && wei <= NUMERIC_78_MAX ? wei : null);
/** Text a column can hold: no NUL (Postgres refuses it), bounded. */
export const boundedText = (text: string, max = 1000) =>
  [...text.replaceAll("\u0000", "\uFFFD")].slice(0, max).join("");

const instant = (d: Date) => Temporal.Instant.fromEpochMilliseconds(d.getTime());
const partyJson = (p: Party | null) =>
  p &&
  JSON.stringify({
    handle: p.handle,
    amountWei: String(p.amountWei),
    tweetId: p.tweetId,
    ...(p.bidderId ? { bidderId: p.bidderId } : {}),
  });
const party = (p: PartyJson | string | null): Party | null => {
  if (!p) return null;
  const j: PartyJson = typeof p === "string" ? JSON.parse(p) : p;
  return {
    handle: j.handle,
    amountWei: BigInt(j.amountWei),
    tweetId: j.tweetId,
    ...(j.bidderId ? { bidderId: j.bidderId } : {}),
  };
};

/**
 * `fence`: with engines sharing the database, checks inside each decision's and auction
 * write's transaction that this engine still holds the lease (core/lease.ts).
 */
export function auctionStore(db: Db, fence?: (tx: Queryable) => Promise<void>): AuctionStore {
  // JSON goes in as text cast to jsonb: postgres.js would store a string param as a jsonb string.
  const updateAuction = (q: Queryable, s: AuctionState) =>
    q.query(
      `update auction_auctions set status = $2, current_ends_at = $3, extensions = $4,
         decisions = $5, price_wei = $6, leader_tweet_id = $7, closed_at = $8, winner = $9::text::jsonb,
         runner_up = $10::text::jsonb, settled = $11, starts_at = $12, ends_at = $13, max_ends_at = $14,
         updated_at = now()
       where id = $1`,
      [
        s.rules.id,
        s.status,
        s.endsAt,
        s.extensions,
        s.decisions,
        leaderOf(s)?.amountWei ?? null,
        leaderOf(s)?.tweetId ?? null,
        s.closedAt,
        partyJson(s.winner),
        partyJson(s.runnerUp),
        s.settled,
        s.rules.startsAt,
        s.rules.endsAt,
        s.rules.maxEndsAt,
      ],
    );

  return {
    async createAuction(r) {
      const rows = await db.query(
        `insert into auction_auctions (id, item, campaign_id, starts_at, ends_at, max_ends_at,
           reserve_wei, min_increment_bps, min_increment_wei, extension_window_seconds,
           extension_seconds, ingest_grace_seconds, status, current_ends_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'scheduled', $5)
         on conflict (id) do nothing returning id`,
        [
          r.id,
          r.item,
          r.campaignId,
          r.startsAt,
          r.endsAt,
          r.maxEndsAt,
          r.reserveWei,
          r.minIncrementBps,
          r.minIncrementWei,
          r.extensionWindowSeconds,
          r.extensionSeconds,
          r.ingestGraceSeconds,
        ],
      );
      return rows.length === 1;
    },

    async recordDecisions(records) {
      if (records.length === 1 && !fence) return [await recordOne(db, records[0])];
      return await db.transaction(async (tx) => {
        await fence?.(tx);
        // Statements sent together on the transaction's connection run in order.
        return await Promise.all(records.map((r) => recordOne(tx, r)));
      });
    },

    saveAuction(s, audit, voided) {
      return db.transaction(async (tx) => {
        await fence?.(tx);
        await updateAuction(tx, s);
        if (voided) {
          await tx.query(`update auction_bids set status = 'voided' where tweet_id = $1`, [voided]);
        }
        if (audit) {
          await tx.query(
            `insert into auction_audit (auction_id, actor, action, params, reason, at, before, after)
             values ($1, $2, $3, $4::text::jsonb, $5, $6, $7::text::jsonb, $8::text::jsonb)`,
            [
              audit.auctionId,
              audit.actor,
              audit.action.action,
              JSON.stringify(audit.action),
              audit.reason,
              audit.at,
              JSON.stringify(audit.before),
              JSON.stringify(audit.after),
            ],
          );
        }
      });
    },

    async untold() {
      const rows = await db.query<{ tweet_id: string; events: unknown; created_at: Date }>(
        "select tweet_id, events, created_at from auction_announcements order by seq",
      );
      return rows.map((r) => ({
        tweetId: r.tweet_id,
        events: decodeAnnouncements(r.events),
        decidedAt: r.created_at,
      }));
    },

    async told(tweetIds) {
      if (!tweetIds.length) return;
      await db.query(
        `delete from auction_announcements
         where tweet_id in (select jsonb_array_elements_text($1::text::jsonb))`,
        [JSON.stringify(tweetIds)],
      );
    },

    async tweetIds() {
      const rows = await db.query<{ tweet_id: string; auction_id: string | null }>(
        "select tweet_id, auction_id from auction_bids",
      );
      return rows.map((r): [string, string | null] => [r.tweet_id, r.auction_id]);
    },

    ping: () => db.ping(),
    down: () => db.down(),

    receipts: (auctionId, afterSeq, limit) => readReceipts(db, auctionId, afterSeq, limit),

    loadMarket: (limits, now) => loadMarket(db, limits, now),
  };
}

/** The public bid log of an auction after `afterSeq` (a running maximum held back). */
async function readReceipts(
  db: Db,
  auctionId: string,
  afterSeq: number,
  limit: number,
): Promise<Receipt[]> {
  const rows = await db.query<{
    seq: string;
    tweet_id: string;
    handle: string;
    tweet_at: Date;
    decided_at: Date;
    amount_text: string | null;
    amount_wei: string | null;
    status: "accepted" | "rejected" | "voided";
    reason: string | null;
    message: string | null;
    proxy_for: string | null;
    caused_by: string | null;
    action: string | null;
  }>(
    // A maximum is the bidder's secret until the auction has ended.
    `select b.seq, b.tweet_id, b.handle, b.tweet_at, b.decided_at, b.amount_wei, b.status,
       b.reason, b.message, b.proxy_for, b.caused_by, b.action,
       case when b.action = 'max' and a.status not in ('closed', 'cancelled') then null
         else b.amount_text end as amount_text
     from auction_bids b join auction_auctions a on a.id = b.auction_id
     where b.auction_id = $1 and b.seq > $2 order by b.seq limit $3`,
    [auctionId, afterSeq, limit],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    tweetId: r.proxy_for ?? r.tweet_id,
    link: `https://x.com/i/status/${r.proxy_for ?? r.tweet_id}`,
    handle: r.handle,
    tweetAt: nyString(instant(r.tweet_at)),
    decidedAt: nyString(instant(r.decided_at)),
    amountText: r.amount_text,
    amountWei: r.amount_wei === null ? null : BigInt(r.amount_wei),
    decision: r.status,
    reason: r.reason,
    message: r.message,
    proxy: r.proxy_for !== null,
    causedBy: r.caused_by,
    action: r.action,
  }));
}

/** The market as the database has it: auctions, their accepted bids and maxima, recent tweets. */
async function loadMarket(
  db: Db,
  { rateLimit, maxBidWei }: Pick<Market, "rateLimit" | "maxBidWei">,
  now: Temporal.Instant,
): Promise<Market> {
  const auctions: Record<string, AuctionState> = {};
  const rows = await db.query<AuctionRow>(`select * from auction_auctions order by starts_at`);
  for (const r of rows) {
    const rules: AuctionRules = {
      id: r.id,
      item: r.item,
      campaignId: r.campaign_id,
      startsAt: instant(r.starts_at),
      endsAt: instant(r.ends_at),
      maxEndsAt: instant(r.max_ends_at),
      reserveWei: BigInt(r.reserve_wei),
      minIncrementBps: r.min_increment_bps,
      minIncrementWei: BigInt(r.min_increment_wei),
      extensionWindowSeconds: r.extension_window_seconds,
      extensionSeconds: r.extension_seconds,
      ingestGraceSeconds: r.ingest_grace_seconds,
    };
    auctions[r.id] = {
      ...newAuction(rules),
      status: r.status,
      endsAt: instant(r.current_ends_at),
      extensions: r.extensions,
      decisions: r.decisions,
      closedAt: r.closed_at && instant(r.closed_at),
      winner: party(r.winner),
      runnerUp: party(r.runner_up),
      settled: r.settled,
    };
  }
  const accepted = await db.query<{
    auction_id: string;
    tweet_id: string;
    handle: string;
    author_id: string | null;
    amount_wei: string | null;
    tweet_at: Date;
    action: string | null;
    max_wei: string | null;
    proxy_for: string | null;
  }>(
    `select auction_id, tweet_id, handle, author_id, amount_wei, tweet_at, action, max_wei,
       proxy_for
     from auction_bids where status = 'accepted' and auction_id is not null
     order by amount_wei nulls first, seq`,
  );
  // Bids rise (equal only on a tie inside one decision, in row order): amount order is
  // acceptance order, whatever order commits came in. Maxima follow the tweets' order.
  for (const b of accepted) {
    const s = auctions[b.auction_id];
    const bidderId = b.author_id ?? b.handle.toLowerCase();
    if (b.amount_wei !== null) {
      s.bids.push({
        rowId: b.tweet_id,
        tweetId: b.proxy_for ?? b.tweet_id,
        handle: b.handle,
        bidderId,
        amountWei: BigInt(b.amount_wei),
        tweetAt: instant(b.tweet_at),
        proxy: b.proxy_for !== null,
      });
    }
  }
  const maxima = await db.query<{
    auction_id: string;
    tweet_id: string;
    handle: string;
    author_id: string | null;
    tweet_at: Date;
    action: string;
    max_wei: string | null;
  }>(
    `select auction_id, tweet_id, handle, author_id, tweet_at, action, max_wei from auction_bids
     where status = 'accepted' and action is not null and auction_id is not null order by seq`,
  );
  for (const m of maxima) {
    const s = auctions[m.auction_id];
    const bidderId = m.author_id ?? m.handle.toLowerCase();
    if (m.max_wei === null) delete s.maxima[bidderId];
    else if (m.action === "max") {
      s.maxima[bidderId] = {
        tweetId: m.tweet_id,
        handle: m.handle,
        maxWei: BigInt(m.max_wei),
        tweetAt: instant(m.tweet_at),
      };
    }
  }
  // The rate limit looks back one window from the latest tweet seen (or now).
  const latest = await db.query<{ at: Date | null }>(
    `select max(tweet_at) as at from auction_bids`,
  );
  const last = latest[0]?.at ? instant(latest[0].at) : now;
  const since = last.subtract({ seconds: rateLimit.perSeconds });
  const recentRows = await db.query<
    { handle: string; author_id: string | null; tweet_at: Date }
  >(
    `select handle, author_id, tweet_at from auction_bids
     where tweet_at > $1 and proxy_for is null order by seq`,
    [since],
  );
  const recent: Record<string, Temporal.Instant[]> = {};
  for (const r of recentRows) {
    (recent[r.author_id ?? r.handle.toLowerCase()] ??= []).push(instant(r.tweet_at));
  }
  return { auctions, rateLimit, maxBidWei, recent };
}

/**
 * One decision in one statement (one round trip, atomic on its own): the tweet's row,
 * the automatic raise it caused, and the auction row commit together or not at all; a
 * seen tweet id changes nothing. Rows go in the order of the bid log.
 */
async function recordOne(q: Queryable, r: DecisionRecord): Promise<boolean> {
  const { decision: d, authorId, text, receivedAt, decidedAt, auction: s } = r;
  const leader = s && leaderOf(s);
  const own = [
    d.tweetId,
    d.auctionId,
    boundedText(d.handle, 64),
    authorId ?? null,
    boundedText(text, 2000),
    d.tweetAt,
    receivedAt,
    decidedAt,
    fits(d.amountWei),
    d.kind,
    d.kind === "rejected" ? d.reason : null,
    d.kind === "rejected" ? boundedText(d.message) : null,
    d.amountText === null ? null : boundedText(d.amountText, 100),
    d.kind === "accepted" ? d.action : null,
    d.kind === "accepted" ? fits(d.maxWei) : null,
    null,
    null,
    d.kind === "rejected" ? d.edits ?? null : null,
  ];
  const rows = d.kind === "accepted"
    ? d.entries.map((e) =>
      e.proxy
        ? [
          e.rowId,
          d.auctionId,
          boundedText(e.handle, 64),
          e.bidderId.startsWith("@") ? null : e.bidderId,
          "",
          e.tweetAt,
          receivedAt,
          decidedAt,
          fits(e.amountWei),
          "accepted",
          null,
          null,
          null,
          null,
          null,
          e.tweetId,
          d.tweetId,
          null,
        ]
        : own
    )
    : [own];
  // A decision that only changed a maximum adds no entry: its tweet row still goes first.
  if (!rows.includes(own)) rows.unshift(own);
  const width = own.length;
  const values = rows.map((_, i) =>
    `(${Array.from({ length: width }, (_, k) => `$${i * width + k + 1}`).join(", ")})`
  ).join(", ");
  const a = rows.length * width;
  const rowsSql = await q.query<{ n: string }>(
    `with bid as (
           insert into auction_bids (tweet_id, auction_id, handle, author_id, text, tweet_at,
             received_at, decided_at, amount_wei, status, reason, message, amount_text, action,
             max_wei, proxy_for, caused_by, edit_of)
           values ${values}
           on conflict (tweet_id) do nothing returning tweet_id
         ), auction as (
           update auction_auctions set status = $${a + 1}, current_ends_at = $${a + 2},
             extensions = $${a + 3}, decisions = $${a + 4}, price_wei = $${a + 5},
             leader_tweet_id = $${a + 6}, updated_at = now()
           -- An older state never overwrites a newer one (e.g. a retried write).
           where id = $${a + 8} and $${a + 1}::text is not null and decisions < $${a + 4}
             and exists (select 1 from bid where tweet_id = $${a + 7})
         ), told as (
           insert into auction_announcements (tweet_id, events)
           select $${a + 7}, $${a + 9}::text::jsonb
           where exists (select 1 from bid where tweet_id = $${a + 7})
         )
         select count(*) as n from bid where tweet_id = $${a + 7}`,
    [
      ...rows.flat(),
      s?.status ?? null,
      s?.endsAt ?? null,
      s?.extensions ?? null,
      s?.decisions ?? null,
      leader ? fits(leader.amountWei) : null,
      leader?.tweetId ?? null,
      d.tweetId,
      d.auctionId,
      encodeAnnouncements(decisionEvents(d)),
    ],
  );
  return rowsSql[0].n === "1";
}
