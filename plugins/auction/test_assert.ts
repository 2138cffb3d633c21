/** The few assertions the auction tests need (no @std/assert: JSR is unreachable here). */
export function assertEquals(actual: unknown, expected: unknown, msg?: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new Error(`${msg ? msg + ": " : ""}expected ${e}\n     got ${a}`);
}

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

export function assertMatch(actual: string, re: RegExp): void {
  if (!re.test(actual)) throw new Error(`expected ${JSON.stringify(actual)} to match ${re}`);
}

export function assertThrows(fn: () => unknown, re?: RegExp): Error {
  try {
    fn();
  } catch (error) {
    if (re && !re.test(String((error as Error).message))) {
      throw new Error(`error "${(error as Error).message}" does not match ${re}`);
    }
    return error as Error;
  }
  throw new Error("expected a throw");
}

export async function assertRejects(fn: () => Promise<unknown>, re?: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    if (re && !re.test(String((error as Error).message))) {
      throw new Error(`error "${(error as Error).message}" does not match ${re}`);
    }
    return error as Error;
  }
  throw new Error("expected a rejection");
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? `${x}n` : x);
}
