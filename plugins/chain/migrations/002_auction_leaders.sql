-- The latest status and leader of every auction (from auction.updated), so a settlement
-- does not refund the funds backing a bidder's lead in another auction still running.
create table chain_auction_leaders (
  auction_id text primary key,
  status text not null,
  leader_key text,
  leader_wei numeric(78, 0),
  updated_at timestamptz not null
);
