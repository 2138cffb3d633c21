-- The `link` tweets read, so the `wallet.linked` confirmation (which names no
-- tweet) can answer the handle's latest one, and a refusal can name the author.
create table x_link_tweets (
  tweet_id text primary key,
  handle text not null,
  author_id text not null,
  created_at timestamptz not null
);
create index x_link_tweets_handle on x_link_tweets (lower(handle), created_at);
