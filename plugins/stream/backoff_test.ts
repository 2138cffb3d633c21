import assert from "node:assert/strict";
import { backoff } from "./backoff.ts";

Deno.test("backoff: 2 s, then x1.5, capped at 60 s, reset by a healthy minute", () => {
  const b = backoff();
  const quick = Array.from({ length: 12 }, () => b.next(500));
  assert.deepEqual(quick.slice(0, 5), [2000, 3000, 4500, 6750, 10125]);
  assert.equal(Math.max(...quick), 60_000);
  assert.equal(quick.at(-1), 60_000);
  assert.equal(b.next(59_999), 60_000);
  assert.equal(b.next(60_000), 2000);
  assert.equal(b.next(100), 3000);
});
