/** The test helpers themselves: `eventually` returns the first answer, and fails instead of hanging. */
import { assertEquals, assertRejects, eventually } from "./testing.ts";

Deno.test("eventually: the first value that is not undefined, null or false (0 is an answer)", async () => {
  let n = 0;
  assertEquals(await eventually(() => (++n < 3 ? null : n - 3), "the third look"), 0);
  assertEquals(n, 3);
});

Deno.test("eventually: a probe that never answers, or never says yes, fails by the deadline", async () => {
  const t = Date.now();
  await assertRejects(
    () => eventually(() => new Promise(() => {}), "a look that hangs", 200),
    Error,
    "timed out after 200 ms waiting for a look that hangs",
  );
  await assertRejects(() => eventually(() => false, "a no", 100), Error, "waiting for a no");
  assertEquals(Date.now() - t < 2000, true, "within its bounds");
  await assertRejects(
    () => eventually(() => Promise.reject(new Error("boom")), "x"),
    Error,
    "boom",
  );
});
