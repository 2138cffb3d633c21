import { assert, assertEquals } from "./testing.ts";
import { seededRandom } from "./random.ts";

Deno.test("seededRandom: the same seed gives the same sequence, in [0, 1); another seed another", () => {
  const take = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
  const a = take(11);
  assertEquals(a, take(11));
  assert(a.every((x) => x >= 0 && x < 1));
  assert(new Set(a).size > 990, "spread");
  assert(take(12).some((x, i) => x !== a[i]));
});
