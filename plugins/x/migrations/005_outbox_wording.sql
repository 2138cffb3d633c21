-- A post X refused as a duplicate is worded anew: `base_text` is the text as
-- queued, `variant` the wording tried (0 = as queued). Refusals for good and
-- their reason stay in `error`; `failed_at` says when, for /healthz.
alter table x_outbox add column base_text text;
alter table x_outbox add column variant integer not null default 0;
alter table x_outbox add column failed_at timestamptz;
