-- Links, bidders, leaders and keep requests by X account (user id), not by handle text: a
-- handle can move to another account, which must never reach the previous owner's escrow.
-- Every existing row is kept, moved to its account.

-- Every wallet an account has linked (its deposits stay its own after a relink). A wallet
-- belongs to one account: here, the account that linked it last.
create table chain_wallets (
  address text primary key, -- checksummed
  x_user_id text not null,
  linked_at timestamptz not null -- the last time its account linked it
);
create unique index chain_wallets_address_lower on chain_wallets (lower(address));
create index chain_wallets_account on chain_wallets (x_user_id);
-- The audit keeps the links that a handle's new owner overwrote in chain_links.
insert into chain_wallets (address, x_user_id, linked_at)
select distinct on (lower(address)) address, x_user_id, at from (
  select address, x_user_id, at from chain_link_audit
  where outcome in ('linked', 'relinked') and address is not null and x_user_id is not null
  union all
  select address, x_user_id, linked_at from chain_links
) links
order by lower(address), at desc;

-- Leaders of other auctions (escrow held back from refunds), by account.
alter table chain_auction_leaders add column leader_id text;
update chain_auction_leaders a set leader_id = l.x_user_id
from chain_links l where l.handle_key = a.leader_key;
alter table chain_auction_leaders drop column leader_key;

-- Who bid in which auction, by tweet (an auction names its leader by tweet) and account.
create table chain_auction_bids (
  auction_id text not null,
  tweet_id text not null,
  x_user_id text not null,
  handle text not null,
  primary key (auction_id, tweet_id)
);
-- Rows from before: their tweets were not kept; each bidder once, under a made-up tweet id.
insert into chain_auction_bids (auction_id, tweet_id, x_user_id, handle)
select b.auction_id, 'before-accounts:' || b.handle_key, l.x_user_id, b.handle
from chain_auction_bidders b join chain_links l on l.handle_key = b.handle_key;
drop table chain_auction_bidders;

alter table chain_settlements add column winner_id text;
update chain_settlements s set winner_id = w.x_user_id
from chain_wallets w where lower(w.address) = lower(s.winner_address);

-- Keep requests (`keep` / `refund` tweets), by account.
create table chain_account_keep (
  x_user_id text primary key,
  keep boolean not null,
  at timestamptz not null
);
insert into chain_account_keep (x_user_id, keep, at)
select distinct on (w.x_user_id) w.x_user_id, k.keep, k.at
from chain_keep k join chain_wallets w on lower(w.address) = lower(k.address)
order by w.x_user_id, k.at desc;
drop table chain_keep;

-- One link per account: its current wallet, and the handle it was last seen as.
delete from chain_links l using chain_links newer
where newer.x_user_id = l.x_user_id
  and (newer.linked_at, newer.handle_key) > (l.linked_at, l.handle_key);
alter table chain_links drop constraint chain_links_pkey;
alter table chain_links add primary key (x_user_id);
create index chain_links_handle on chain_links (handle_key);
-- Accounts whose link a handle's new owner overwrote come back, with the wallet they linked last.
insert into chain_links (handle_key, handle, x_user_id, address, linked_at, tweet_id, nonce)
select distinct on (a.x_user_id) a.handle, a.handle, a.x_user_id, a.address, a.at, a.tweet_id, ''
from chain_link_audit a
join chain_wallets w on lower(w.address) = lower(a.address) and w.x_user_id = a.x_user_id
where a.outcome in ('linked', 'relinked')
  and not exists (select 1 from chain_links l where l.x_user_id = a.x_user_id)
  and not exists (select 1 from chain_links l where lower(l.address) = lower(a.address))
order by a.x_user_id, a.at desc;
