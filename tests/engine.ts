/**
 * Starts a real engine for a test: the given plugins with their configs,
 * storage chosen by the environment like production (DATABASE_URL / REDIS_URL,
 * else PGlite and memory), each test in its own data folder, schema and key prefix.
 */
import type { Clock } from "../core/clock.ts";
import { type PluginEntry, pluginModule } from "../core/config.ts";
import type { Engine } from "../core/engine.ts";
import { startTestEngine } from "../core/testing.ts";
import { tempDir, uniqueName } from "./services.ts";

export interface TestEngineOptions {
  /** Plugins by folder name under plugins/ (or a module path relative to tests/), with their config. */
  plugins: Record<string, Record<string, unknown>>;
  clock?: Clock;
  env?: Record<string, string>;
  /** Serve HTTP on a free port. */
  listen?: boolean;
  /** Use the embedded backends even when DATABASE_URL / REDIS_URL are set. */
  embedded?: boolean;
}

export interface TestStorage {
  /** DATA_DIR, DATABASE_URL/SCHEMA, REDIS_URL, STATE_PREFIX, PORT and LOG_LEVEL for one test. */
  env: Record<string, string>;
  /** Drops the schema and removes the folder. */
  remove(): Promise<void>;
}

/**
 * Storage for one test that outlives engine restarts: a data folder, and with
 * DATABASE_URL / REDIS_URL set (unless `embedded`) a Postgres schema and a key prefix.
 */
export function testStorage(embedded = false): TestStorage {
  const dir = tempDir();
  const url = embedded ? "" : Deno.env.get("DATABASE_URL") ?? "";
  const schema = uniqueName("t");
  return {
    env: {
      DATABASE_URL: url,
      REDIS_URL: embedded ? "" : Deno.env.get("REDIS_URL") ?? "",
      DATA_DIR: dir.path,
      DATABASE_SCHEMA: schema,
      STATE_PREFIX: `${uniqueName("t")}:`,
      PORT: "0",
      LOG_LEVEL: Deno.env.get("LOG_LEVEL") ?? "error",
    },
    async remove() {
      if (url) {
        const { default: postgres } = await import("postgres");
        const sql = postgres(url, { onnotice: () => {} });
        await sql.unsafe(`drop schema if exists "${schema}" cascade`);
        await sql.end();
      }
      dir.remove();
    },
  };
}

export async function testEngine(
  options: TestEngineOptions,
): Promise<Engine & { dataDir: string }> {
  const storage = testStorage(options.embedded);
  const env = { ...storage.env, ...options.env };
  const entries: PluginEntry[] = Object.entries(options.plugins).map(([name, config]) => ({
    label: name,
    specifier: name.includes("/")
      ? new URL(name, import.meta.url).href
      : pluginModule(name, new URL("../", import.meta.url)),
    config,
  }));
  const engine = await startTestEngine(env, entries, options).catch(async (error) => {
    await storage.remove();
    throw error;
  });
  return {
    ...engine,
    dataDir: env.DATA_DIR,
    async stop() {
      await engine.stop();
      await storage.remove();
    },
  };
}
