-- The person a post answers (`@handle`, lower case), for the per-handle share of the budget:
-- past its share in a window, a handle's further refusals and answers are stored `skipped`.
alter table x_outbox add column handle text;
create index x_outbox_handle on x_outbox (handle, created_at) where handle is not null;
