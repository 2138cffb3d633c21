/**
 * What the panel keeps sealed at rest (core/secret_box.ts, the engine's key) and how each
 * value is bound to its row (the additional data):
 * - `admin_accounts.totp_secret`, `totp_pending`: `admin_accounts.totp:<account id>`;
 * - `admin_sessions.ip`: `admin_sessions.ip:<session id hash>`;
 * - `admin_audit.ip`: the audit log is an append-only hash chain, so a value in it can never
 *   be re-sealed (an update is refused, and would break the chain). Each address is sealed
 *   instead under a data key of its own, used once (`admin_audit.ip`), and that data key is
 *   sealed with the engine's key in `admin_audit_ip_keys` (`admin_audit_ip_keys.data_key:<audit
 *   id>`), outside the chain: rotation re-seals the data keys and the chain never changes.
 *   Deleting a data key erases its address for good, chain intact. Addresses written before
 *   this stay plain in the chained rows (the chain pins them).
 * `resealAdmin` is the panel's `reseal` (core/sealed_columns.ts).
 */
import type { Queryable } from "../core/db.ts";
import { openSealed, resealColumn, type Resealed } from "../core/sealed_columns.ts";
import { newSecretKey, parseSecretKey, type SecretBox, secretBox } from "../core/secret_box.ts";

export const totpContext = (id: string) => `admin_accounts.totp:${id}`;
export const sessionIpContext = (idHash: string) => `admin_sessions.ip:${idHash}`;
const dataKeyContext = (auditId: string) => `admin_audit_ip_keys.data_key:${auditId}`;
const AUDIT_IP = "admin_audit.ip";

/** A TOTP secret as the panel makes it (base32). */
const base32 = (v: string) => /^[A-Z2-7]+=*$/.test(v);
/** An address as the panel stores it (IPv4, IPv6, or what a proxy said, bounded). */
const address = (v: string) => v.length <= 100 && /^[0-9A-Za-z.:%_-]+$/.test(v);

export async function resealAdmin(tx: Queryable, box: SecretBox): Promise<Resealed[]> {
  return [
    await resealColumn(tx, box, {
      table: "admin_accounts",
      column: "totp_secret",
      row: "id",
      context: totpContext,
      plain: base32,
    }),
    await resealColumn(tx, box, {
      table: "admin_accounts",
      column: "totp_pending",
      row: "id",
      context: totpContext,
      plain: base32,
    }),
    await resealColumn(tx, box, {
      table: "admin_sessions",
      column: "ip",
      row: "id_hash",
      context: sessionIpContext,
      plain: address,
    }),
    await resealColumn(tx, box, {
      table: "admin_audit_ip_keys",
      column: "data_key",
      row: "audit_id",
      context: dataKeyContext,
      // Data keys are written sealed; a plain one is something else.
      plain: () => false,
    }),
  ];
}

/** An audit address sealed under a fresh data key: what goes in the row, and the key. */
export async function sealAuditIp(ip: string) {
  const dataKey = newSecretKey();
  const box = await secretBox(parseSecretKey(dataKey, "data key"));
  return { sealedIp: await box.seal(ip, AUDIT_IP), dataKey };
}

/** The data key of audit row `auditId`, sealed with the engine's key, for admin_audit_ip_keys. */
export const sealDataKey = (box: SecretBox, auditId: string, dataKey: string) =>
  box.seal(dataKey, dataKeyContext(auditId));

/**
 * The address of an audit row as the panel shows it: a plain one (written before sealing) as
 * it is; a sealed one opened with its data key; erased (its data key deleted) or not opening:
 * a note saying so, so one bad row never hides the log.
 */
export async function openAuditIp(
  box: SecretBox,
  auditId: string,
  ip: string | null,
  sealedKey: string | null,
): Promise<string | null> {
  if (ip === null || box.sealedWith(ip) === null) return ip;
  if (sealedKey === null) return "(erased)";
  try {
    const where = { table: "admin_audit_ip_keys", row: auditId, context: dataKeyContext(auditId) };
    const dataKey = await openSealed(box, sealedKey, where);
    const own = await secretBox(parseSecretKey(dataKey, "data key"));
    return await openSealed(own, ip, { table: "admin_audit", row: auditId, context: AUDIT_IP });
  } catch {
    return "(does not open)";
  }
}
