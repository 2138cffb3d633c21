/**
 * Test helper: an engine with the x plugin whose storage outlives a stop, so a
 * test can restart it (or a child process can share it) and see the same rows.
 */
import type { Clock } from "../../../core/clock.ts";
import { loadPlugins, readSettings } from "../../../core/config.ts";
import { type Engine, startEngine } from "../../../core/engine.ts";
import { createLog } from "../../../core/log.ts";
import { tempDir, uniqueName } from "../../../tests/services.ts";
import type { XService } from "../mod.ts";

export interface XStorage {
  env: Record<string, string>;
  /** Drops the schema / removes the folder. */
  remove(): Promise<void>;
}

/** A schema (Postgres, when DATABASE_URL is set) or a data folder (PGlite) for one test. */
export function xStorage(): XStorage {
  const dir = tempDir("sothebais-x-");
  const url = Deno.env.get("DATABASE_URL") ?? "";
  const schema = uniqueName("x");
  return {
    env: {
      DATA_DIR: dir.path,
      ...(url ? { DATABASE_URL: url, DATABASE_SCHEMA: schema } : {}),
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

export async function startXEngine(
  storage: XStorage,
  plugins: Record<string, Record<string, unknown>>,
  clock?: Clock,
  listen = false,
): Promise<Engine & { x: XService }> {
  const settings = readSettings(storage.env);
  const entries = Object.entries(plugins).map(([name, config]) => ({
    label: name,
    specifier: new URL(`../../${name}/mod.ts`, import.meta.url).href,
    config,
  }));
  const { plugins: loaded } = await loadPlugins(entries, storage.env);
  const engine = await startEngine({
    settings,
    plugins: loaded,
    clock,
    listen,
    log: createLog("test", { level: settings.LOG_LEVEL }),
  });
  return { ...engine, x: engine.service<XService>("x") };
}
