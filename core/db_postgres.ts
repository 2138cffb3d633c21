/** The `Db` over a Postgres server, with postgres.js. */
import postgres from "postgres";
import { type Db, type Queryable, toParams } from "./db.ts";

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

export async function openPostgres(url: string, schema?: string): Promise<Db> {
  const sql = postgres(url, {
    max: 10,
    onnotice: () => {},
    // Exact money and ids: numeric and int8 stay strings, as PGlite gives them.
    types: {
      numeric: { to: 1700, from: [1700], serialize: String, parse: (x: string) => x },
      int8: { to: 20, from: [20], serialize: String, parse: (x: string) => x },
    },
    connection: schema ? { search_path: schema } : {},
  });
  if (schema) await sql.unsafe(`create schema if not exists "${schema.replaceAll('"', "")}"`);
  return {
    kind: "postgres",
    ...queryable(sql),
    // deno-lint-ignore no-explicit-any
    transaction: (fn) => sql.begin((tx) => fn(queryable(tx))) as any,
    ping: async () => {
      await sql`select 1`;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
