import { assertEquals } from "./testing.ts";
import { nyString, virtualClock } from "./clock.ts";

Deno.test("virtual clock: fires timers in due order, then creation order, at their time", async () => {
  const clock = virtualClock("2026-11-01T00:00:00-04:00");
  const fired: string[] = [];
  const mark = (name: string) => () => fired.push(`${name}@${nyString(clock.instant())}`);
  clock.after(3000, mark("c"));
  clock.after(1000, mark("a"));
  clock.after(1000, mark("b"));
  clock.after(10_000, mark("late"));
  await clock.advance(5000);
  assertEquals(fired, [
    "a@2026-11-01T00:00:01-04:00",
    "b@2026-11-01T00:00:01-04:00",
    "c@2026-11-01T00:00:03-04:00",
  ]);
  assertEquals(nyString(clock.instant()), "2026-11-01T00:00:05-04:00");
  assertEquals(clock.pending(), 1);
});

Deno.test("virtual clock: timers set by timers fire within the same advance; cancel works", async () => {
  const clock = virtualClock("2026-01-01T00:00:00Z");
  const fired: number[] = [];
  const cancel = clock.after(500, () => fired.push(-1));
  clock.after(100, () => {
    fired.push(1);
    clock.after(100, () => fired.push(2));
  });
  cancel();
  await clock.advance(1000);
  assertEquals(fired, [1, 2]);
});

Deno.test("virtual clock: a timer's async work settles before the next timer fires", async () => {
  const clock = virtualClock("2026-01-01T00:00:00Z");
  const order: string[] = [];
  clock.after(10, async () => {
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    order.push("first finished");
  });
  clock.after(20, () => order.push("second"));
  await clock.advance(30);
  assertEquals(order, ["first finished", "second"]);
});

Deno.test("clock: New York time across the DST switches", async () => {
  const clock = virtualClock("2026-03-08T01:59:00-05:00");
  await clock.advance(60_000);
  assertEquals(nyString(clock.instant()), "2026-03-08T03:00:00-04:00");
  const fall = virtualClock("2026-11-01T01:59:00-04:00");
  await fall.advance(60_000);
  assertEquals(nyString(fall.instant()), "2026-11-01T01:00:00-05:00");
  assertEquals(fall.now().hour, 1);
});

Deno.test("virtual clock: sleep resolves when time is advanced past it", async () => {
  const clock = virtualClock("2026-01-01T00:00:00Z");
  let done = false;
  const slept = clock.sleep(2000).then(() => done = true);
  await clock.advance(1999);
  assertEquals(done, false);
  await clock.advance(1);
  await slept;
  assertEquals(done, true);
});

Deno.test("system clock: a due timer fires later, never inside at(); cancel works", async () => {
  const { systemClock } = await import("./clock.ts");
  const clock = systemClock();
  const fired: string[] = [];
  clock.at(clock.instant().subtract({ seconds: 1 }), () => fired.push("past"));
  assertEquals(fired, []);
  const cancel = clock.after(10, () => fired.push("cancelled"));
  cancel();
  clock.after(20, () => fired.push("soon"));
  await clock.sleep(60);
  assertEquals(fired, ["past", "soon"]);
});
