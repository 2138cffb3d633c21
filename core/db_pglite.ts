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
  const pg = await createPglite(dataDir);
  return {
    kind: "pglite",
    ...queryable(pg),
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    ping: async () => {
      await pg.query("select 1");
    },
    down: () => undefined, // in the process: it answers while the engine runs
    close: () => pg.close(),
  };
}

/**
 * A new data folder normally runs initdb (seconds). The first one made on this
 * machine is saved as a template in the user's cache, and later new folders
 * start from it, about four times faster.
 */
async function createPglite(dataDir: string): Promise<PGlite> {
  if (exists(`${dataDir}/PG_VERSION`)) return await PGlite.create(dataDir, { parsers });
  const cache = `${
    Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`
  }/sothebais`;
  // Named after the resolved package (it carries the version), so an upgrade makes a new one.
  const version = import.meta.resolve("@electric-sql/pglite").match(/pglite@([\w.-]+)/)?.[1];
  const template = `${cache}/pglite-${version ?? "unknown"}.tar`;
  if (exists(template)) {
    const loadDataDir = new Blob([await Deno.readFile(template)]);
    return await PGlite.create(dataDir, { parsers, loadDataDir });
  }
  const pg = await PGlite.create(dataDir, { parsers });
  try {
    const blob = await pg.dumpDataDir("none");
    Deno.mkdirSync(cache, { recursive: true });
    const partial = `${template}.${Deno.pid}`;
    await Deno.writeFile(partial, new Uint8Array(await blob.arrayBuffer()));
    Deno.renameSync(partial, template);
  } catch { /* only a speed-up */ }
  return pg;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
