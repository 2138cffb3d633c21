-- Campaigns as configured (their auctions carry campaign_id).
create table auction_campaigns (
  id text primary key,
  name text not null,
  project text not null,
  collection text not null,
  start_date date not null,
  end_date date not null,
  definition jsonb not null,
  updated_at timestamptz not null default now()
);
