-- Every line the host said, refused, dropped or posted, with the auction version it was
-- grounded on and, when refused, why: the host's log for the panel and its memory per campaign.
create table host_lines (
  id bigserial primary key,
  at timestamptz not null,
  campaign_id text,
  auction_id text,
  kind text not null,
  outcome text not null check (outcome in ('said', 'refused', 'dropped', 'posted')),
  source text not null check (source in ('scripted', 'model')),
  text text not null,
  reason text,
  version integer not null,
  handle text,
  once_key text
);
create index host_lines_outcome_at on host_lines (outcome, at desc);
create unique index host_lines_once on host_lines (once_key) where once_key is not null;
alter table host_memory add column campaign_id text;
