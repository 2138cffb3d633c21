/**
 * Starts a real engine for a test: the given plugins with their configs,
 * storage chosen by the environment like production (DATABASE_URL / REDIS_URL,
 * else PGlite and memory), each test in its own data folder, schema and key prefix.
 */
import type { Clock } from "../core/clock.ts";
import { loadPlugins, type PluginEntry, readSettings } from "../core/config.ts";
import { type Engine, startEngine } from "../core/engine.ts";
import { createLog } from "../core/log.ts";
import { tempDir, uniqueName } from "./services.ts";

export interface TestEngineOptions {
  /** Plugins by folder name under plugins/, with their config. */
  plugins: Record<string, Record<string, unknown>>;
  clock?: Clock;
  env?: Record<string, string>;
  /** Serve HTTP on a free port. */
  listen?: boolean;
  /** Use the embedded backends even when DATABASE_URL / REDIS_URL are set. */
  embedded?: boolean;
}

export async function testEngine(
  options: TestEngineOptions,
): Promise<Engine & { dataDir: string }> {
  const dir = tempDir();
  const base = options.embedded ? {} : {
    DATABASE_URL: Deno.env.get("DATABASE_URL") ?? "",
    REDIS_URL: Deno.env.get("REDIS_URL") ?? "",
  };
  const env = {
    ...base,
    DATA_DIR: dir.path,
    DATABASE_SCHEMA: uniqueName("t"),
    STATE_PREFIX: `${uniqueName("t")}:`,
    PORT: "0",
    LOG_LEVEL: Deno.env.get("LOG_LEVEL") ?? "warn",
    ...options.env,
  };
  const entries: PluginEntry[] = Object.entries(options.plugins).map(([name, config]) => ({
    label: name,
    specifier: new URL(`../plugins/${name}/mod.ts`, import.meta.url).href,
    config,
  }));
  const settings = readSettings(env);
  const { plugins, secrets } = await loadPlugins(entries, env);
  const engine = await startEngine({
    settings,
    plugins,
    clock: options.clock,
    listen: options.listen ?? false,
    log: createLog("test", { level: settings.LOG_LEVEL, secrets }),
  });
  return {
    ...engine,
    dataDir: dir.path,
    async stop() {
      await engine.stop();
      if (settings.DATABASE_URL) {
        await dropSchema(settings.DATABASE_URL, env.DATABASE_SCHEMA);
      }
      dir.remove();
    },
  };
}

async function dropSchema(url: string, schema: string) {
  const { default: postgres } = await import("postgres");
  const sql = postgres(url, { onnotice: () => {} });
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.end();
}
