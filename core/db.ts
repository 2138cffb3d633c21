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

/**
 * What a statement does, as a short bounded label: its verb and the first table it names
 * (`insert:x_tweets`, `with:auction_bids`, `select:auction_bids`), for counting statements by
 * kind. Never the parameters; text that names no table is its verb alone.
 */
export function statementKey(text: string): string {
  const sql = text.slice(0, 2000).toLowerCase();
  const verb = /^\s*([a-z]+)/.exec(sql)?.[1] ?? "other";
  const table = /\b(?:from|into|update|join)\s+"?([a-z_][a-z0-9_]{0,62})/.exec(sql)?.[1];
  return table ? `${verb.slice(0, 12)}:${table}` : verb.slice(0, 12);
}

/**
 * The same store, telling `count` of every statement it runs and how long it took (seconds,
 * to its answer or its error), those inside a transaction included (`transaction` for the
 * transaction itself: its begin and commit, timed whole). Counting is how the cost of a
 * decision is known (the load benchmark, the query-count test).
 */
export function countStatements(db: Db, count: (key: string, seconds: number) => void): Db {
  const timed = async <T>(key: string, work: () => Promise<T>) => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      count(key, (performance.now() - t) / 1000);
    }
  };
  const counted = (q: Queryable): Queryable => ({
    query: (text, params) => timed(statementKey(text), () => q.query(text, params)),
    exec: (script) => timed("script", () => q.exec(script)),
  });
  return {
    ...db,
    ...counted(db),
    transaction: (fn) => timed("transaction", () => db.transaction((tx) => fn(counted(tx)))),
    ping: () => timed("ping", () => db.ping()),
    close: () => db.close(),
  };
}
