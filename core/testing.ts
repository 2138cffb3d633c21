/**
 * The one assertion module of the tests, over node:assert (no JSR package is
 * needed). `assertThrows` / `assertRejects` take an error class, a pattern the
 * message must match, or both (class, then a substring or a pattern).
 */
import assert from "node:assert/strict";

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
