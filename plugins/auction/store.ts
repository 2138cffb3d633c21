/**
 * Postgres persistence of the auction: each decision is one transaction
 * (the bid row with its status and reason, and the auction row); the tweet id
 * is the bids' primary key, so a repeated tweet changes nothing. On start the
 * whole market is rebuilt from these rows.
 */
import type { Db, Queryable } from "../../core/db.ts";
import type {
  AcceptedBid,
  AdminAction,
  AuctionRules,
  AuctionState,
  Decision,
  Market,
  Party,
  RateLimit,
  Status,
} from "./rules.ts";
import { leaderOf, newAuction } from "./rules.ts";

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
  loadMarket(rateLimit: RateLimit, now: Temporal.Instant): Promise<Market>;
  /** Every tweet id decided so far, with the auction it was for. */
  tweetIds(): Promise<Array<[string, string | null]>>;
}

const instant = (d: Date) => Temporal.Instant.fromEpochMilliseconds(d.getTime());
const partyJson = (p: Party | null) =>
  p && JSON.stringify({ handle: p.handle, amountWei: String(p.amountWei), tweetId: p.tweetId });
const party = (p: PartyJson | string | null): Party | null => {
  if (!p) return null;
  const j: PartyJson = typeof p === "string" ? JSON.parse(p) : p;
  return { handle: j.handle, amountWei: BigInt(j.amountWei), tweetId: j.tweetId };
};

export function auctionStore(db: Db): AuctionStore {
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
      if (records.length === 1) return [await recordOne(db, records[0])];
      // Statements sent together on the transaction's connection run in order.
      return await db.transaction((tx) => Promise.all(records.map((r) => recordOne(tx, r))));
    },

    saveAuction(s, audit, voided) {
      return db.transaction(async (tx) => {
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

    async tweetIds() {
      const rows = await db.query<{ tweet_id: string; auction_id: string | null }>(
        "select tweet_id, auction_id from auction_bids",
      );
      return rows.map((r): [string, string | null] => [r.tweet_id, r.auction_id]);
    },

    async loadMarket(rateLimit, now) {
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
      const accepted = await db.query<
        { auction_id: string; tweet_id: string; handle: string; amount_wei: string; tweet_at: Date }
      >(
        `select auction_id, tweet_id, handle, amount_wei, tweet_at from auction_bids
         where status = 'accepted' order by amount_wei, seq`,
      );
      // Accepted bids rise strictly, so amount order is acceptance order (commits may not be).
      for (const b of accepted) {
        const bid: AcceptedBid = {
          tweetId: b.tweet_id,
          handle: b.handle,
          amountWei: BigInt(b.amount_wei),
          tweetAt: instant(b.tweet_at),
        };
        auctions[b.auction_id].bids.push(bid);
      }
      // The rate limit looks back one window from the latest tweet seen (or now).
      const latest = await db.query<{ at: Date | null }>(
        `select max(tweet_at) as at from auction_bids`,
      );
      const last = latest[0]?.at ? instant(latest[0].at) : now;
      const since = last.subtract({ seconds: rateLimit.perSeconds });
      const recentRows = await db.query<{ handle: string; tweet_at: Date }>(
        `select handle, tweet_at from auction_bids where tweet_at > $1 order by seq`,
        [since],
      );
      const recent: Record<string, Temporal.Instant[]> = {};
      for (const r of recentRows) (recent[r.handle.toLowerCase()] ??= []).push(instant(r.tweet_at));
      return { auctions, rateLimit, recent };
    },
  };
}

/**
 * One decision in one statement (one round trip, atomic on its own): the bid row and
 * the auction row commit together or not at all; a seen tweet id changes nothing.
 */
async function recordOne(q: Queryable, r: DecisionRecord): Promise<boolean> {
  const { decision: d, authorId, text, receivedAt, decidedAt, auction: s } = r;
  const leader = s && leaderOf(s);
  const rows = await q.query<{ n: string }>(
    `with bid as (
           insert into auction_bids (tweet_id, auction_id, handle, author_id, text, tweet_at,
             received_at, decided_at, amount_wei, status, reason, message)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           on conflict (tweet_id) do nothing returning 1
         ), auction as (
           update auction_auctions set status = $13, current_ends_at = $14, extensions = $15,
             decisions = $16, price_wei = $17, leader_tweet_id = $18, updated_at = now()
           -- An older state never overwrites a newer one (e.g. a retried write).
           where id = $2 and $13::text is not null and decisions < $16
             and exists (select 1 from bid)
         )
         select count(*) as n from bid`,
    [
      d.tweetId,
      d.auctionId,
      d.handle,
      authorId ?? null,
      text,
      d.tweetAt,
      receivedAt,
      decidedAt,
      d.amountWei,
      d.kind,
      d.kind === "rejected" ? d.reason : null,
      d.kind === "rejected" ? d.message : null,
      s?.status ?? null,
      s?.endsAt ?? null,
      s?.extensions ?? null,
      s?.decisions ?? null,
      leader?.amountWei ?? null,
      leader?.tweetId ?? null,
    ],
  );
  return rows[0].n === "1";
}
