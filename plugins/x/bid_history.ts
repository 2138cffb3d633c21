/**
 * The bidding history (`x_bid_history`, for `/bidders/:handle`), written only through `record`,
 * and the tweet that made a handle the leader (the outbid reply answers it).
 *
 * Rows recorded in the same turn of the event loop (a group of decisions told together) go in
 * one statement; each `record` still resolves only once its row is written (the auction marks a
 * decision told after its listeners are done), and a statement refused is retried row by row, so
 * one bad row fails only its own caller. The leading tweet is kept in memory from the rows this
 * engine records (bids rise, so the newest accepted row of a handle is its highest), bounded;
 * one not seen since the start is asked of the database.
 */
import type { Db } from "../../core/db.ts";

export interface HistoryRow {
  tweetId: string;
  kind: string;
  handle: string;
  auctionId?: string | null;
  amountWei?: bigint | null;
  reason?: string;
  message?: string;
  at: string;
}

const WIDTH = 8;
/** Rows per statement (8 parameters each: far under the drivers' limit). */
const MAX_ROWS = 200;
/** Leading tweets kept in memory; past it the oldest go (asked of the database again). */
const MAX_LEADERS = 10_000;

const at = (handle: string) => (handle.startsWith("@") ? handle : `@${handle}`);

export function bidHistory(db: Db) {
  let queued: Array<{ row: HistoryRow; done: (error?: unknown) => void }> = [];
  const leaders = new Map<string, { tweetId: string; amountWei: bigint }>();
  const leaderKey = (auctionId: string, handle: string) =>
    `${auctionId}\n${at(handle).toLowerCase()}`;

  const insert = (rows: HistoryRow[]) =>
    db.query(
      `insert into x_bid_history (tweet_id, kind, handle, auction_id, amount_wei, reason, message, at)
       values ${
        rows.map((_, i) =>
          `(${Array.from({ length: WIDTH }, (_, k) => `$${i * WIDTH + k + 1}`).join(", ")})`
        ).join(", ")
      } on conflict do nothing`,
      rows.flatMap((r) => [
        r.tweetId,
        r.kind,
        at(r.handle),
        r.auctionId ?? null,
        r.amountWei ?? null,
        r.reason ?? null,
        r.message ?? null,
        r.at,
      ]),
    );

  const flush = async () => {
    const batch = queued.slice(0, MAX_ROWS);
    queued = queued.slice(MAX_ROWS);
    if (queued.length) setTimeout(flush, 0);
    try {
      await insert(batch.map((b) => b.row));
      for (const b of batch) b.done();
    } catch {
      // One statement refused: each row on its own, so only a bad row fails its caller.
      for (const b of batch) await insert([b.row]).then(() => b.done(), b.done);
    }
  };

  const remember = (row: HistoryRow) => {
    if (row.kind !== "accepted" || !row.auctionId || row.amountWei == null) return;
    const key = leaderKey(row.auctionId, row.handle);
    const known = leaders.get(key);
    if (known && known.amountWei >= row.amountWei) return;
    leaders.delete(key);
    leaders.set(key, { tweetId: row.tweetId, amountWei: row.amountWei });
    if (leaders.size > MAX_LEADERS) leaders.delete(leaders.keys().next().value!);
  };

  return {
    /** Stores the row (once per tweet and kind); resolves when it is written. */
    record(row: HistoryRow): Promise<void> {
      remember(row);
      return new Promise<void>((resolve, reject) => {
        queued.push({ row, done: (error) => (error ? reject(error) : resolve()) });
        if (queued.length === 1) setTimeout(flush, 0);
      });
    },
    /** The tweet that made `handle` the leader of `auctionId` (its highest accepted bid). */
    async leadingTweet(auctionId: string, handle: string): Promise<string | undefined> {
      const known = leaders.get(leaderKey(auctionId, handle));
      if (known) return known.tweetId;
      const [r] = await db.query<{ tweet_id: string; amount_wei: string | null }>(
        `select tweet_id, amount_wei from x_bid_history where kind = 'accepted'
            and auction_id = $1 and lower(handle) = $2 order by amount_wei desc limit 1`,
        [auctionId, at(handle).toLowerCase()],
      );
      if (r && r.amount_wei !== null) {
        remember({
          tweetId: r.tweet_id,
          kind: "accepted",
          handle,
          auctionId,
          amountWei: BigInt(r.amount_wei),
          at: "",
        });
      }
      return r?.tweet_id;
    },
  };
}
