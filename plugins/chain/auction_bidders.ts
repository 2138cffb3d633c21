/**
 * Who bids and leads in each auction, by X account, from the auction's events:
 * settlement refunds every account that bid, and holds back what backs an
 * account's lead in another auction still running. The auction names a bidder
 * by user id (`bidderId`; the lower-case handle when its source gave none) and a
 * leader by tweet, so a leader is found through the tweets recorded here; only a
 * bidder with no user id is found by the link made last under its handle.
 */
import { handleKey, isAccountId, linkedAccount, type Q } from "./accounts.ts";

export interface AcceptedBid {
  auctionId: string;
  tweetId: string;
  handle: string;
  bidderId?: string;
}

/** Records a bid's account, and the handle the account was seen as (a display attribute). */
export async function recordBid(q: Q, bid: AcceptedBid): Promise<void> {
  const link = await linkedAccount(q, bid.handle, bid.bidderId);
  if (!link) return; // no link, no escrow: nothing to refund
  await q.query(
    `insert into chain_auction_bids (auction_id, tweet_id, x_user_id, handle) values ($1, $2, $3, $4)
     on conflict do nothing`,
    [bid.auctionId, bid.tweetId, link.xUserId, bid.handle],
  );
  if (isAccountId(bid.bidderId) && link.handle !== bid.handle) {
    await q.query("update chain_links set handle = $2, handle_key = $3 where x_user_id = $1", [
      link.xUserId,
      bid.handle,
      handleKey(bid.handle),
    ]);
  }
}

/** The account behind an auction's bid: by user id, else by its tweet, else by its handle. */
export async function bidderAccount(
  q: Q,
  auctionId: string,
  bid: { handle: string; tweetId?: string; bidderId?: string },
): Promise<string | null> {
  if (isAccountId(bid.bidderId)) return bid.bidderId;
  if (bid.tweetId) {
    const [row] = await q.query<{ x_user_id: string }>(
      "select x_user_id from chain_auction_bids where auction_id = $1 and tweet_id = $2",
      [auctionId, bid.tweetId],
    );
    if (row) return row.x_user_id;
  }
  return (await linkedAccount(q, bid.handle, bid.bidderId))?.xUserId ?? null;
}

export interface AuctionUpdate {
  auctionId: string;
  status: string;
  leader: { handle: string; tweetId: string; amountWei: bigint } | null;
}

/** Records an auction's status and leading account (the escrow its lead holds). */
export async function recordLeader(q: Q, p: AuctionUpdate, at: Date): Promise<void> {
  const leaderId = p.leader ? await bidderAccount(q, p.auctionId, p.leader) : null;
  await q.query(
    `insert into chain_auction_leaders (auction_id, status, leader_id, leader_wei, updated_at)
     values ($1, $2, $3, $4, $5)
     on conflict (auction_id) do update set status = $2, leader_id = $3, leader_wei = $4,
       updated_at = $5`,
    [p.auctionId, p.status, leaderId, p.leader?.amountWei ?? null, at],
  );
}
