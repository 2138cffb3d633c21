-- The admin panel's accounts, sessions and audit log. The auction's own audit rows join
-- admin_audit in the view audit_log (one log, one query); the auction plugin always starts
-- first (the panel needs the `auctions` service), so auction_audit exists here.
create table admin_accounts (
  id bigserial primary key,
  name text not null unique check (name ~ '^[a-z][a-z0-9_.-]{1,31}$'),
  role text not null check (role in ('viewer', 'operator', 'admin')),
  -- pending: created or reset, waiting for its setup link to be used.
  status text not null check (status in ('pending', 'active', 'disabled')),
  password_hash text,
  totp_secret text,
  -- The secret shown at enrolment, until a first code proves the app has it.
  totp_pending text,
  -- The last TOTP time step used: a code is never accepted twice.
  totp_last_step bigint,
  setup_token_hash text unique,
  setup_expires_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table admin_recovery_codes (
  account_id bigint not null references admin_accounts (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  primary key (account_id, code_hash)
);

-- Sessions by the SHA-256 of their id: the database never holds a usable cookie.
create table admin_sessions (
  id_hash text primary key,
  account_id bigint not null references admin_accounts (id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  ended_at timestamptz,
  ip text
);
create index admin_sessions_account on admin_sessions (account_id);

create table admin_audit (
  id bigserial primary key,
  at timestamptz not null,
  actor text not null,
  action text not null,
  subject text,
  reason text,
  params jsonb not null default '{}',
  before jsonb,
  after jsonb,
  outcome text not null check (outcome in ('ok', 'denied', 'failed')),
  ip text
);
create index admin_audit_at on admin_audit (at);

-- seq orders rows written in the same instant (each source's own id).
create view audit_log as
  select 'admin:' || id as id, id as seq, at, actor, action, subject, reason, params, before,
    after, outcome, ip
  from admin_audit
  union all
  select 'auction:' || id, id, at, actor, 'auction.' || action, auction_id, reason, params,
    before, after, 'ok', null
  from auction_audit;
