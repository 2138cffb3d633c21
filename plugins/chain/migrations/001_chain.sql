-- Wallet links: single-use SIWE challenges, the current link per X account, and the audit.
create table chain_challenges (
  nonce text primary key,
  address text not null,
  handle text not null,
  x_user_id text,
  chain_id bigint not null,
  message text not null,
  issued_at timestamptz not null,
  expires_at timestamptz not null,
  -- set once the signature checked out on the link page; the tweet `link <code>` completes it
  code text unique,
  signature text,
  verified_at timestamptz,
  used_at timestamptz
);

create table chain_links (
  handle_key text primary key, -- lower-case handle with @
  handle text not null,
  x_user_id text not null,
  address text not null, -- checksummed
  linked_at timestamptz not null,
  tweet_id text,
  nonce text not null
);
create index chain_links_address on chain_links (lower(address));

create table chain_link_audit (
  id bigserial primary key,
  at timestamptz not null,
  handle text not null,
  x_user_id text,
  address text,
  previous_address text,
  outcome text not null, -- linked | relinked | refused
  reason text,
  tweet_id text
);

-- Deposits to escrow, with the block they were seen in (reorgs are checked against block_hash).
create table chain_deposits (
  tx_hash text primary key,
  address text not null, -- sender (checksummed)
  amount_wei numeric(78, 0) not null,
  block_number bigint not null,
  block_hash text not null,
  source text not null, -- tx (a transfer to escrow) | balance (an inflow found by balance reconciliation)
  stage text not null, -- seen | pending | final | reversed
  seen_at timestamptz not null,
  pending_at timestamptz,
  final_at timestamptz,
  reversed_at timestamptz
);
create index chain_deposits_address on chain_deposits (lower(address));
create index chain_deposits_stage on chain_deposits (stage);

-- The blocks scanned, so a reorg under the cursor is found and rescanned.
create table chain_blocks (
  number bigint primary key,
  hash text not null,
  escrow_balance_wei numeric(78, 0)
);

-- Inflows the balance showed but no transfer explained (e.g. an internal call nobody is linked to).
create table chain_unattributed (
  block_number bigint primary key,
  block_hash text not null,
  amount_wei numeric(78, 0) not null,
  found_at timestamptz not null
);

-- Debits (settled prices) and refunds (planned before they are sent, so they are reserved).
create table chain_movements (
  id bigserial primary key,
  address text not null,
  kind text not null, -- debit | refund
  amount_wei numeric(78, 0) not null,
  auction_id text not null,
  at timestamptz not null,
  unique (auction_id, address, kind)
);

-- Who bid in which auction (from bid.accepted), so settlement knows whom to refund.
create table chain_auction_bidders (
  auction_id text not null,
  handle_key text not null,
  handle text not null,
  primary key (auction_id, handle_key)
);

-- What each auction sells, from auction.updated / auction.opened (item.contract + item.tokenId).
create table chain_auction_items (
  auction_id text primary key,
  nft_contract text,
  token_id numeric(78, 0)
);

-- One settlement per closed auction: a state machine that can be resumed after a crash.
create table chain_settlements (
  auction_id text primary key,
  state text not null, -- planned | nft-sent | nft-confirmed | debited | refunding | settled | failed
  winner_handle text,
  winner_address text,
  price_wei numeric(78, 0),
  nft_contract text,
  token_id numeric(78, 0),
  error text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Every transaction the escrow signs, stored before it is broadcast: a resumed step re-sends
-- the same signed bytes (same nonce, same hash), so nothing is ever paid twice.
create table chain_payouts (
  id bigserial primary key,
  auction_id text not null,
  kind text not null, -- nft | refund
  address text not null,
  amount_wei numeric(78, 0) not null,
  state text not null, -- planned | signed | confirmed | failed
  tx_hash text,
  raw_tx text,
  tx_nonce bigint,
  gas_used numeric(78, 0),
  fee_wei numeric(78, 0),
  attempts int not null default 0,
  error text,
  updated_at timestamptz not null,
  unique (auction_id, kind, address)
);

-- Bidders who asked to keep their balance in escrow for the next auction instead of a refund.
create table chain_keep (
  address text primary key,
  keep boolean not null,
  at timestamptz not null
);
