-- What the host has said and been asked: its memory across streams and restarts.
create table host_memory (
  id bigserial primary key,
  at timestamptz not null,
  kind text not null check (kind in ('said', 'question')),
  handle text,
  text text not null
);
create index host_memory_at on host_memory (at desc);
