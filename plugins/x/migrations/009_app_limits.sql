-- The per-app read limits the plugin learned from X's `x-rate-limit-limit` header where the tier
-- file documents none (plugins/x/app_limits.ts): one row per read source, the limit as X stated
-- it, the endpoint it was read from and when, so a restart plans with it at once. `numeric`, read
-- back bounded: a row that is not a sane whole number (negative, huge, NaN) is ignored, not used.
create table x_app_limits (
  source text primary key,
  limit_value numeric not null,
  endpoint text not null,
  learned_at timestamptz not null
);
