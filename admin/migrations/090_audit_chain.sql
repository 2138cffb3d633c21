-- Tamper-evidence (core/hash_chain.ts): the admin audit log is an append-only hash chain.
alter table admin_audit add column chain_seq bigint unique, add column chain_prev text,
  add column chain_hash text;
create trigger admin_audit_chain before insert on admin_audit
  for each row execute function core_chain_link();
create trigger admin_audit_append_only before update or delete on admin_audit
  for each row execute function core_chain_refuse();
