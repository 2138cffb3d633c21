/**
 * The one assertion and test-helper module of the tests, over node:assert (no
 * JSR package is needed). `assertThrows` / `assertRejects` take an error class,
 * a pattern the message must match, or both (class, then a substring or a
 * pattern). The engine helpers know no plugin: `eventually` waits, bounded, for
 * work another task does; `startTestEngine` starts the plugin entries it is given
 * on a test's storage (its env). Plugin-specific helpers live with their plugin.
 */
import assert from "node:assert/strict";
import type { Clock } from "./clock.ts";
import { loadPlugins, type PluginEntry, readSettings } from "./config.ts";
import { type Engine, startEngine } from "./engine.ts";
import { createLog } from "./log.ts";

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

export function assert_(condition: unknown, message?: string): asserts condition {
  assert.ok(condition, message);
}

export { assert_ as assert };

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  assert.match(actual, pattern, message);
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;
type Expected = ErrorClass | RegExp;

function expectError(error: unknown, expected?: Expected, includes?: string | RegExp): Error {
  const errorClass = typeof expected === "function" ? expected : undefined;
  const pattern = expected instanceof RegExp ? expected : includes;
  if (errorClass && !(error instanceof errorClass)) {
    throw new assert.AssertionError({ message: `expected ${errorClass.name}, got ${error}` });
  }
  const message = String((error as Error)?.message);
  const matches = pattern === undefined ||
    (pattern instanceof RegExp ? pattern.test(message) : message.includes(pattern));
  if (!matches) {
    throw new assert.AssertionError({
      message: `expected the message to match ${pattern}, got "${message}"`,
    });
  }
  return error as Error;
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  expected?: Expected,
  includes?: string | RegExp,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return expectError(error, expected, includes);
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

export function assertThrows(
  fn: () => unknown,
  expected?: Expected,
  includes?: string | RegExp,
): Error {
  try {
    fn();
  } catch (error) {
    return expectError(error, expected, includes);
  }
  throw new assert.AssertionError({ message: "expected a throw" });
}

const LATE = Symbol("late");

/**
 * Polls `probe` (real time; for work done by another task) until it gives a value other than
 * undefined, null or false, and returns it; throws naming `what` after `ms`. One look that
 * never answers does not outlast the deadline.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  what: string,
  ms = 20_000,
  everyMs = 20,
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + ms;
  while (true) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<typeof LATE>((resolve) =>
      timer = setTimeout(() => resolve(LATE), Math.max(0, deadline - Date.now()))
    );
    const value = await Promise.race([(async () => await probe())(), late])
      .finally(() => clearTimeout(timer));
    if (value !== LATE && value !== undefined && value !== null && value !== false) {
      return value as Exclude<T, undefined | null | false>;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** An engine of `entries` on the storage `env` names (DATA_DIR, DATABASE_URL, …), for a test. */
export async function startTestEngine(
  env: Record<string, string>,
  entries: PluginEntry[],
  options: { clock?: Clock; listen?: boolean } = {},
): Promise<Engine> {
  const settings = readSettings(env);
  const { plugins, secrets } = await loadPlugins(entries, env);
  return await startEngine({
    settings,
    plugins,
    clock: options.clock,
    listen: options.listen ?? false,
    log: createLog("test", { level: settings.LOG_LEVEL, secrets }),
  });
}
