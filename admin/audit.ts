/**
 * The audit log: one row per action (sign-in, failed sign-in, go live, slate,
 * account change, a refused request …) with who, when, what, the reason and
 * the state before and after. Read through the `audit_log` view, where the
 * auction's override rows join these: one log, one query. The address of a row is sealed
 * under a data key of its own (admin/sealed.ts): the row and its sealed data key are written
 * in one transaction, and opened on reading.
 */
import type { Db } from "../core/db.ts";
import type { SecretBox } from "../core/secret_box.ts";
import { openAuditIp, sealAuditIp, sealDataKey } from "./sealed.ts";

export interface AuditEntry {
  actor: string;
  action: string;
  subject?: string | null;
  reason?: string | null;
  params?: unknown;
  before?: unknown;
  after?: unknown;
  outcome: "ok" | "denied" | "failed";
  ip?: string | null;
}

export interface AuditRow extends Required<AuditEntry> {
  id: string;
  at: string;
}

export interface AuditFilter {
  actor?: string;
  /** `auction` matches `auction.pause`, `auction.void`, …; `auction.pause` only itself. */
  action?: string;
  from?: Temporal.Instant;
  to?: Temporal.Instant;
  limit: number;
}

const json = (v: unknown) =>
  v === undefined || v === null
    ? null
    : JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x);

export function auditLog(db: Db, now: () => Temporal.Instant, box: SecretBox) {
  return {
    async write(e: AuditEntry): Promise<void> {
      const ip = e.ip ? await sealAuditIp(e.ip) : null;
      await db.transaction(async (tx) => {
        const [row] = await tx.query<{ id: string }>(
          `insert into admin_audit (at, actor, action, subject, reason, params, before, after, outcome, ip)
         values ($1, $2, $3, $4, $5, coalesce($6::text::jsonb, '{}'), $7::text::jsonb,
           $8::text::jsonb, $9, $10) returning id::text as id`,
          [
            now(),
            e.actor,
            e.action,
            e.subject ?? null,
            e.reason ?? null,
            json(e.params),
            json(e.before),
            json(e.after),
            e.outcome,
            ip?.sealedIp ?? null,
          ],
        );
        if (!ip) return;
        await tx.query("insert into admin_audit_ip_keys (audit_id, data_key) values ($1, $2)", [
          row.id,
          await sealDataKey(box, row.id, ip.dataKey),
        ]);
      });
    },

    /** Newest first. */
    async query(f: AuditFilter): Promise<AuditRow[]> {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, ...values: unknown[]) => {
        let sql = clause;
        for (const v of values) {
          params.push(v);
          sql = sql.replace("?", `$${params.length}`);
        }
        where.push(sql);
      };
      if (f.actor) add("actor = ?", f.actor);
      if (f.action) {
        add("(action = ? or action like ?)", f.action, `${f.action.replace(/[\\%_]/g, "\\$&")}.%`);
      }
      if (f.from) add("at >= ?", f.from);
      if (f.to) add("at <= ?", f.to);
      params.push(f.limit);
      const rows = await db.query<
        Omit<AuditRow, "at"> & { at: Date; seq: string; data_key: string | null }
      >(
        `select l.id, l.seq::text as seq, l.at, l.actor, l.action, l.subject, l.reason, l.params,
           l.before, l.after, l.outcome, l.ip, k.data_key
         from audit_log l
         left join admin_audit_ip_keys k on l.id like 'admin:%' and k.audit_id = l.seq
         ${where.length ? `where ${where.join(" and ")}` : ""}
         order by l.at desc, l.seq desc limit $${params.length}`,
        params,
      );
      const parse = (v: unknown) => typeof v === "string" ? JSON.parse(v) : v;
      return await Promise.all(rows.map(async ({ seq, data_key, ...r }) => ({
        ...r,
        ip: await openAuditIp(box, seq, r.ip, data_key),
        at: r.at.toISOString(),
        params: parse(r.params),
        before: parse(r.before),
        after: parse(r.after),
      })));
    },
  };
}

export type AuditLog = ReturnType<typeof auditLog>;
