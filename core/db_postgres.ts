/** The `Db` over a Postgres server, with postgres.js. */
import postgres from "postgres";
import { type Db, type Queryable, toParams, watchAnswers } from "./db.ts";

type Sql = postgres.Sql | postgres.TransactionSql;

function queryable(sql: Sql): Queryable {
  return {
    query: async <T>(text: string, params?: readonly unknown[]) =>
      // deno-lint-ignore no-explicit-any
      [...await sql.unsafe(text, toParams(params) as any[])] as T[],
    exec: async (script) => {
      await sql.unsafe(script).simple();
    },
  };
}

/**
 * How long (seconds) a connection waits before connecting again after failing to. postgres.js
 * by default waits 3^n / 100 s after the pool's n-th failure in a row, up to 20 s: after an
 * outage of a few seconds the first statements waited 7–15 s for a database already back.
 * Half a second at most: a connect to a server that is down costs little, and the pool (10)
 * bounds how many try at once.
 */
export const reconnectBackoff = (retries: number) =>
  Math.min(0.5, 0.05 * 2 ** retries) * (0.5 + Math.random() / 2);

export async function openPostgres(url: string, schema?: string): Promise<Db> {
  const sql = postgres(url, {
    max: 10,
    backoff: reconnectBackoff,
    onnotice: () => {},
    // Exact money and ids: numeric and int8 stay strings, as PGlite gives them.
    types: {
      numeric: { to: 1700, from: [1700], serialize: String, parse: (x: string) => x },
      int8: { to: 20, from: [20], serialize: String, parse: (x: string) => x },
    },
    connection: schema ? { search_path: schema } : {},
  });
  if (schema) await sql.unsafe(`create schema if not exists "${schema.replaceAll('"', "")}"`);
  return watchAnswers({
    kind: "postgres",
    ...queryable(sql),
    // deno-lint-ignore no-explicit-any
    transaction: (fn) => sql.begin((tx) => fn(queryable(tx))) as any,
    ping: async () => {
      await sql`select 1`;
    },
    close: () => sql.end({ timeout: 5 }),
  }, lostConnection);
}

/**
 * The error says the server is not there (refused, cut, starting up or recovering, shutting
 * down: SQLSTATE classes 08 and 57P), not that the statement was wrong.
 */
export function lostConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return /^(08|57P0[123]$)/.test(code) ||
    ["CONNECTION_CLOSED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"].includes(code) ||
    /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code);
}
