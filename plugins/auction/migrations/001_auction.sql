-- Auctions, every bid with its decision, and the audit log of admin overrides.
create table auction_auctions (
  id text primary key,
  item text not null,
  campaign_id text,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  max_ends_at timestamptz not null,
  reserve_wei numeric(78, 0) not null,
  min_increment_bps integer not null,
  min_increment_wei numeric(78, 0) not null,
  extension_window_seconds integer not null,
  extension_seconds integer not null,
  ingest_grace_seconds integer not null,
  status text not null check (status in ('scheduled', 'open', 'paused', 'closed', 'cancelled')),
  current_ends_at timestamptz not null,
  extensions integer not null default 0,
  decisions integer not null default 0,
  price_wei numeric(78, 0),
  leader_tweet_id text,
  closed_at timestamptz,
  winner jsonb,
  runner_up jsonb,
  settled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table auction_bids (
  seq bigserial not null unique,
  tweet_id text primary key,
  auction_id text references auction_auctions (id),
  handle text not null,
  author_id text,
  text text not null,
  tweet_at timestamptz not null,
  received_at timestamptz,
  decided_at timestamptz not null,
  amount_wei numeric(78, 0),
  status text not null check (status in ('accepted', 'rejected', 'voided')),
  reason text,
  message text
);
create index auction_bids_auction on auction_bids (auction_id, seq);
create index auction_bids_handle on auction_bids (lower(handle), seq);
create index auction_bids_tweet_at on auction_bids (tweet_at);

create table auction_audit (
  id bigserial primary key,
  auction_id text not null references auction_auctions (id),
  actor text not null,
  action text not null,
  params jsonb not null,
  reason text not null,
  at timestamptz not null,
  before jsonb not null,
  after jsonb not null
);
create index auction_audit_auction on auction_audit (auction_id, id);
