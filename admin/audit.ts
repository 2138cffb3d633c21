/**
 * The audit log: one row per action (sign-in, failed sign-in, go live, slate,
 * account change, a refused request …) with who, when, what, the reason and
 * the state before and after. Read through the `audit_log` view, where the
 * auction's override rows join these: one log, one query.
 */
import type { Db } from "../core/db.ts";

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

export function auditLog(db: Db, now: () => Temporal.Instant) {
  return {
    async write(e: AuditEntry): Promise<void> {
      await db.query(
        `insert into admin_audit (at, actor, action, subject, reason, params, before, after, outcome, ip)
         values ($1, $2, $3, $4, $5, coalesce($6::text::jsonb, '{}'), $7::text::jsonb,
           $8::text::jsonb, $9, $10)`,
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
          e.ip ?? null,
        ],
      );
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
        Omit<AuditRow, "at"> & { at: Date }
      >(
        `select id, at, actor, action, subject, reason, params, before, after, outcome, ip
         from audit_log ${where.length ? `where ${where.join(" and ")}` : ""}
         order by at desc, seq desc limit $${params.length}`,
        params,
      );
      const parse = (v: unknown) => typeof v === "string" ? JSON.parse(v) : v;
      return rows.map((r) => ({
        ...r,
        at: r.at.toISOString(),
        params: parse(r.params),
        before: parse(r.before),
        after: parse(r.after),
      }));
    },
  };
}

export type AuditLog = ReturnType<typeof auditLog>;
