/**
 * Test helper: an engine with the x plugin whose storage outlives a stop, so a
 * test can restart it (or a child process can share it) and see the same rows.
 */
import type { Clock } from "../../../core/clock.ts";
import { loadPlugins, readSettings } from "../../../core/config.ts";
import { type Engine, startEngine } from "../../../core/engine.ts";
import { createLog } from "../../../core/log.ts";
import type { XService } from "../mod.ts";

import { type TestStorage, testStorage } from "../../../tests/engine.ts";

export type XStorage = TestStorage;

/** A schema (Postgres, when DATABASE_URL is set) or a data folder (PGlite) for one test. */
export const xStorage = (): XStorage => testStorage();

/** The user's tokens and the app's, from the environment (the fake checks only each header's kind). */
export const BOTH_CREDENTIALS = {
  apiKey: "${X_API_KEY}",
  apiSecret: "${X_API_SECRET}",
  accessToken: "${X_ACCESS_TOKEN}",
  accessSecret: "${X_ACCESS_SECRET}",
  bearerToken: "${X_BEARER_TOKEN}",
};
/** The environment `BOTH_CREDENTIALS` reads. */
export const CREDENTIALS_ENV = {
  X_API_KEY: "k",
  X_API_SECRET: "s",
  X_ACCESS_TOKEN: "t",
  X_ACCESS_SECRET: "a",
  X_BEARER_TOKEN: "app-token",
};

export async function startXEngine(
  storage: XStorage,
  plugins: Record<string, Record<string, unknown>>,
  clock?: Clock,
  listen = false,
  /** Every log line at warn and above (else the log as LOG_LEVEL says, to the console). */
  logLine?: (line: string) => void,
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
    log: createLog(
      "test",
      logLine ? { level: "warn", write: logLine } : { level: settings.LOG_LEVEL },
    ),
  });
  return { ...engine, x: engine.service<XService>("x") };
}
