/** The embedded `Db`: Postgres compiled to WASM (PGlite), files under the data folder. */
import { PGlite, types } from "@electric-sql/pglite";
import { type Db, type Queryable, toParams } from "./db.ts";

interface PgliteLike {
  query<T>(text: string, params?: unknown[], options?: unknown): Promise<{ rows: T[] }>;
  exec(script: string): Promise<unknown>;
}

// Same row shapes as the postgres.js backend: numeric and int8 as strings.
const parsers = {
  [types.NUMERIC]: (x: string) => x,
  [types.INT8]: (x: string) => x,
};

function queryable(pg: PgliteLike): Queryable {
  return {
    query: async <T>(text: string, params?: readonly unknown[]) =>
      (await pg.query<T>(text, toParams(params), { parsers })).rows,
    exec: async (script) => {
      await pg.exec(script);
    },
  };
}

export async function openPglite(dataDir: string): Promise<Db> {
  const pg = await PGlite.create(dataDir, { parsers });
  return {
    kind: "pglite",
    ...queryable(pg),
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    ping: async () => {
      await pg.query("select 1");
    },
    close: () => pg.close(),
  };
}
