-- Tamper-evidence (core/hash_chain.ts): the overrides' audit log and the bid log are hash
-- chains. The audit log is append-only; a bid's status may later change (voided), so it is
-- left out of the hash (the void itself is in the audit log).
alter table auction_audit add column chain_seq bigint unique, add column chain_prev text,
  add column chain_hash text;
create trigger auction_audit_chain before insert on auction_audit
  for each row execute function core_chain_link();
create trigger auction_audit_append_only before update or delete on auction_audit
  for each row execute function core_chain_refuse();
alter table auction_bids add column chain_seq bigint unique, add column chain_prev text,
  add column chain_hash text;
create trigger auction_bids_chain before insert on auction_bids
  for each row execute function core_chain_link('status');
