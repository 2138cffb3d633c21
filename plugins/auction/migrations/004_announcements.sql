-- The announcement outbox: what a decision tells on the bus, written in the decision's own
-- transaction and deleted once every listener has taken it; rows left by a crash are told
-- again at start (listeners are idempotent by key: the x outbox posts a key once).
create table auction_announcements (
  seq bigserial primary key,
  tweet_id text not null,
  events jsonb not null,
  created_at timestamptz not null default now()
);
