-- The lot images as the leader read them from its assets folder, by their path there, so a
-- standby (the database and nothing else, maybe on another machine) serves the same bytes.
-- Base64 text: one format for Postgres and PGlite.
create table artwork_images (
  image text primary key,
  content_type text not null,
  sha256 text not null,
  data text not null,
  stored_at timestamptz not null default now()
);
