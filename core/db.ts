/**
 * The SQL store: Postgres is the truth. `DATABASE_URL` set → postgres.js
 * against that server; unset → embedded PGlite under the data folder. Both
 * speak the same SQL with `$1` parameters and return the same row shapes:
 * `numeric` and `int8` as strings (money is exact), `timestamptz` as `Date`.
 * A database that stops answering (its connection refused, cut, or not yet
 * accepted) is told by `down()` until a statement succeeds again; while down it
 * is pinged every `PROBE_MS`, so the first answer is seen at once and every
 * loop waiting on `down()` resumes then, not at the end of its own back-off.
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
  /**
   * Undefined while the database answers; while statements fail for want of it, a promise
   * resolved once one succeeds again (or the store closes). A loop waiting out a failure
   * races it: its back-off stays bounded, and it resumes as soon as the database is back.
   */
  down(): Promise<void> | undefined;
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

/** While the database is down, how often it is asked again (its first answer wakes the waiters). */
export const PROBE_MS = 250;

/**
 * `db` telling `down()`: a statement failing with an error `lost` calls the database's (no
 * connection) marks it down; any answer, an error of the statement's own too, marks it back.
 */
export function watchAnswers(
  db: Omit<Db, "down">,
  lost: (error: unknown) => boolean,
  probeMs = PROBE_MS,
): Db {
  let back: PromiseWithResolvers<void> | undefined;
  let probe: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const answered = () => {
    clearTimeout(probe);
    back?.resolve();
    back = undefined;
  };
  const failed = (error: unknown) => {
    if (!lost(error)) return answered();
    if (back || closed) return;
    back = Promise.withResolvers<void>();
    const ask = () => {
      const timer = setTimeout(
        () => void watched(() => db.ping()).catch(() => back && ask()),
        probeMs,
      );
      Deno.unrefTimer(timer); // the probe never keeps a process alive
      probe = timer;
    };
    ask();
  };
  const watched = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work();
      answered();
      return result;
    } catch (error) {
      failed(error);
      throw error;
    }
  };
  return {
    ...db,
    query: (text, params) => watched(() => db.query(text, params)),
    exec: (script) => watched(() => db.exec(script)),
    transaction: (fn) => watched(() => db.transaction(fn)),
    ping: () => watched(() => db.ping()),
    down: () => back?.promise,
    close: () => {
      closed = true;
      answered();
      return db.close();
    },
  };
}

/**
 * Waits out `sleep` after a failed step, or less: if the database is down now, until it
 * answers again. The sleep is the caller's (its clock), so it stays the bound.
 */
export function pauseAfterFailure(
  db: Pick<Db, "down">,
  sleep: Promise<void>,
): Promise<void> {
  const back = db.down();
  return back ? Promise.race([sleep, back]) : sleep;
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
