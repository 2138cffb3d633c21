-- A hand-kept book of wallet links and escrow movements (rehearsals, demos).
create table funds_book_wallets (
  handle text primary key, -- lower case, with @
  address text not null,
  linked_at timestamptz not null default now()
);

create table funds_book_entries (
  id bigserial primary key,
  handle text not null, -- lower case, with @
  kind text not null check (kind in ('deposit', 'refund', 'debit')),
  amount_wei numeric(78, 0) not null check (amount_wei > 0),
  note text not null default '',
  at timestamptz not null default now()
);
create index funds_book_entries_handle on funds_book_entries (handle);
