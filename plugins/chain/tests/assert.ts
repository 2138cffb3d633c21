/** The assertions the chain tests use, over node:assert (JSR is unreachable here). */
import strict from "node:assert/strict";

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  strict.deepStrictEqual(actual, expected, message);
}

export function assert(condition: unknown, message?: string): asserts condition {
  strict.ok(condition, message);
}

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  strict.match(actual, pattern, message);
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  kind: new (...args: any[]) => Error,
  pattern?: RegExp,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    strict.ok(error instanceof kind, `expected ${kind.name}, got ${error}`);
    if (pattern) strict.match((error as Error).message, pattern);
    return error as Error;
  }
  throw new Error(`expected a rejection with ${kind.name}`);
}
