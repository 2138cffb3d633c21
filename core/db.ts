/**
 * The SQL store: Postgres is the truth. `DATABASE_URL` set → postgres.js
 * against that server; unset → embedded PGlite under the data folder. Both
 * speak the same SQL with `$1` parameters and return the same row shapes:
 * `numeric` and `int8` as strings (money is exact), `timestamptz` as `Date`.
 */
import type { Log } from "./log.ts";

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement with `$1…` parameters. `bigint` and `Temporal.Instant` parameters are sent as text. */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of several statements, without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back in full when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A cheap round trip, for health and latency. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Postgres connection URL; absent → PGlite. */
  url?: string;
  /** Where PGlite keeps its files. */
  dataDir: string;
  /** Postgres schema to work in (created if missing); lets several engines share one database. */
  schema?: string;
  log?: Log;
}

export async function openDb(options: DbOptions): Promise<Db> {
  if (options.url) {
    const { openPostgres } = await import("./db_postgres.ts");
    return openPostgres(options.url, options.schema);
  }
  const { openPglite } = await import("./db_pglite.ts");
  return openPglite(options.dataDir);
}

/** Converts parameters the drivers do not take as they are. */
export function toParams(params: readonly unknown[] = []): unknown[] {
  return params.map((p) => {
    if (typeof p === "bigint") return p.toString();
    if (p instanceof Temporal.Instant) return p.toString();
    if (p instanceof Temporal.ZonedDateTime) return p.toInstant().toString();
    return p;
  });
}
