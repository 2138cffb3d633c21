/** Assertions for tests, from node:assert so no JSR package is needed. */
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

function expectError(error: unknown, errorClass?: ErrorClass, includes?: string): Error {
  if (errorClass && !(error instanceof errorClass)) {
    throw new assert.AssertionError({ message: `expected ${errorClass.name}, got ${error}` });
  }
  if (includes && !String((error as Error).message).includes(includes)) {
    throw new assert.AssertionError({
      message: `expected message to include "${includes}", got "${(error as Error).message}"`,
    });
  }
  return error as Error;
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  errorClass?: ErrorClass,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return expectError(error, errorClass, includes);
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

export function assertThrows(fn: () => unknown, errorClass?: ErrorClass, includes?: string): Error {
  try {
    fn();
  } catch (error) {
    return expectError(error, errorClass, includes);
  }
  throw new assert.AssertionError({ message: "expected a throw" });
}
