-- Addresses at rest (admin/sealed.ts): a session's `ip` is sealed in place; an audit row's is
-- sealed under a data key of its own, kept here sealed with the engine's key, outside the hash
-- chain (rotation re-seals these, never the chained rows; deleting one erases its address).
create table admin_audit_ip_keys (
  audit_id bigint primary key references admin_audit (id),
  data_key text not null
);
