-- What the host's lines were grounded on: the facts of an auction version (lot, price, leader,
-- bids, campaign day) as the host saw them when that version began, written when a line with
-- that version is said, refused or posted. Versions restart with the engine: a line's grounds
-- are the row of its version with the latest `at` not after the line's.
create table host_grounds (
  id bigserial primary key,
  version integer not null,
  at timestamptz not null,
  facts jsonb not null
);
create index host_grounds_version_at on host_grounds (version, at desc);
