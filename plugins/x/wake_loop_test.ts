/**
 * The wake loop after a failed step: it waits `errorRetryMs` on its clock, or
 * less once `resumeWhen` resolves (the database answering again); a later step
 * that succeeded keeps its own time, whatever an earlier failure's promise does.
 */
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import { assertEquals, eventually } from "../../core/testing.ts";
import { createWakeLoop } from "./wake_loop.ts";

const quiet = createLog("test", { level: "error", write: () => {} });

function stepping(results: Array<"fail" | number>) {
  const clock = virtualClock("2026-06-01T12:00:00Z");
  const ran: number[] = [];
  const step = () => {
    ran.push(clock.instant().epochMilliseconds);
    const r = results.shift() ?? 60_000;
    if (r === "fail") return Promise.reject(new Error("connect ECONNREFUSED"));
    return Promise.resolve(clock.instant().add({ milliseconds: r }));
  };
  return { clock, ran, step };
}

Deno.test("a step that failed while the database was down runs again once it answers, not after the whole back-off", async () => {
  const { clock, ran, step } = stepping(["fail", 60_000]);
  const back = Promise.withResolvers<void>();
  const loop = createWakeLoop(clock, quiet, step, {
    errorRetryMs: 30_000,
    resumeWhen: () => back.promise,
  });
  loop.kick();
  await loop.idle();
  await clock.advance(1000);
  assertEquals(ran.length, 1, "waits while the database is down");
  back.resolve();
  await eventually(() => ran.length === 2, "the step to run again", 2000, 5);
  assertEquals(ran[1] - ran[0], 1000, "at once, not 30 s after the failure");
  await clock.advance(30_000);
  assertEquals(ran.length, 2, "the error's timer is gone: the step's own next time holds");
  loop.stop();
});

Deno.test("without an answer the failed step waits exactly its back-off; an old failure never cuts a later wait", async () => {
  const { clock, ran, step } = stepping(["fail", 60_000]);
  const back = Promise.withResolvers<void>();
  let asked = 0;
  const loop = createWakeLoop(clock, quiet, step, {
    errorRetryMs: 30_000,
    resumeWhen: () => (asked++, back.promise),
  });
  loop.kick();
  await loop.idle();
  await clock.advance(30_000);
  await loop.idle();
  assertEquals(ran.length, 2, "bounded: retried after 30 s");
  back.resolve(); // the first failure's database answers, long after
  await new Promise((r) => setTimeout(r, 20));
  assertEquals([ran.length, asked], [2, 1], "the successful step's 60 s wait stands");
  loop.stop();
});

Deno.test("a loop without resumeWhen, or while the database answers, keeps its back-off", async () => {
  for (const resumeWhen of [undefined, () => undefined]) {
    const { clock, ran, step } = stepping(["fail", 60_000]);
    const loop = createWakeLoop(clock, quiet, step, { errorRetryMs: 5000, resumeWhen });
    loop.kick();
    await loop.idle();
    await clock.advance(4999);
    assertEquals(ran.length, 1);
    await clock.advance(1);
    await loop.idle();
    assertEquals(ran.length, 2);
    loop.stop();
  }
});
