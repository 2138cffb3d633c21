-- Where the mention reader is: the newest tweet id read in full, and the
-- newest created_at confirmed complete (the read-through watermark).
create table x_read_position (
  account_id text primary key,
  since_id text,
  read_through timestamptz,
  updated_at timestamptz not null default now()
);

-- Every mention read, once. `handled` turns true after it went on the bus;
-- a restart re-emits the unhandled ones, in tweet order.
create table x_tweets (
  tweet_id text primary key,
  id_order numeric(20, 0) not null,
  author_id text not null,
  handle text not null,
  text text not null,
  created_at timestamptz not null,
  received_at timestamptz not null,
  handled boolean not null default false
);
create index x_tweets_unhandled on x_tweets (id_order) where not handled;

-- The outbox: every post the account makes. `key` makes enqueueing idempotent;
-- `status`: pending → sending → sent, or coalesced / dropped / failed.
create table x_outbox (
  id bigserial primary key,
  key text not null unique,
  kind text not null,
  priority int not null,
  coalesce_key text,
  text text not null,
  reply_to text,
  status text not null default 'pending',
  created_at timestamptz not null,
  attempts int not null default 0,
  attempted_at timestamptz,
  not_before timestamptz,
  sent_at timestamptz,
  tweet_id text,
  coalesced_into bigint,
  payload jsonb not null default '{}',
  error text
);
create index x_outbox_pending on x_outbox (priority, id) where status in ('pending', 'sending');
create index x_outbox_sent on x_outbox (sent_at) where sent_at is not null;
create index x_outbox_text on x_outbox (text) where status = 'sent';

-- Who asked to be reminded of upcoming auctions (`remind` / `stop`).
create table x_reminders (
  handle text primary key,
  author_id text not null,
  active boolean not null,
  updated_at timestamptz not null
);

-- Each handle's bidding history as seen on the bus, for /bidders/:handle.
create table x_bid_history (
  tweet_id text not null,
  kind text not null,
  handle text not null,
  auction_id text,
  amount_wei numeric(78, 0),
  reason text,
  message text,
  at timestamptz not null,
  primary key (tweet_id, kind)
);
create index x_bid_history_handle on x_bid_history (lower(handle), at);
