/**
 * The poll loop on a virtual clock: a settlement that waits on the clock does not
 * hold it (time moves on, deposit passes go on), one resume runs at a time, and
 * the stop waits for the resume under way.
 */
import { virtualClock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import { createLog } from "../../core/log.ts";
import { assert, assertEquals } from "../../core/testing.ts";
import { withTimeout } from "../../core/timeout.ts";
import type { DepositScanner } from "./deposits.ts";
import { startPollLoop } from "./poll_loop.ts";
import type { Settlement } from "./settlement.ts";

/** Fails instead of hanging when `work` does not settle within 2 s of real time. */
const within = <T>(what: string, work: Promise<T>) => withTimeout(work, 2000, `${what}: not done`);

Deno.test("poll loop: a settlement waiting on the clock holds neither the clock nor the deposit passes", async () => {
  const clock = virtualClock("2026-11-25T20:00:00-05:00");
  let passes = 0;
  const scanner = { sync: () => Promise.resolve(void passes++) } as unknown as DepositScanner;
  let resumes = 0;
  let running = 0;
  let finished = 0;
  const settlement = {
    // Like a payment waiting for its receipt: 5 s of the clock.
    async resumeAll() {
      resumes++;
      running++;
      assertEquals(running, 1, "two resumes at once");
      await clock.sleep(5000);
      running--;
      finished++;
    },
  } as unknown as Settlement;
  const db = { query: () => Promise.resolve([]) } as unknown as Db;
  const stop = startPollLoop({
    clock,
    db,
    log: createLog("test", { level: "error" }),
    scanner,
    settlement,
    pollMs: 1000,
  });
  await within("the first pass", clock.advance(0));
  assertEquals([passes, resumes, finished], [1, 1, 0]);
  // Were the timer to wait for the resume, this would never return.
  for (let s = 1; s <= 4; s++) await within(`second ${s}`, clock.advance(1000));
  assertEquals([passes, resumes, finished], [5, 1, 0], "passes go on; no second resume");
  await within("second 5", clock.advance(1000));
  assertEquals(finished, 1, "the resume ends on the clock's time");
  await within("second 6", clock.advance(1000));
  assertEquals(resumes, 2, "the next pass resumes again");
  const stopped = stop();
  let done = false;
  void stopped.then(() => done = true);
  await new Promise((r) => setTimeout(r, 20));
  assert(!done, "the stop waits for the resume under way");
  await within("the resume's end", clock.advance(5000));
  await within("the stop", stopped);
  assertEquals([passes, resumes, finished], [7, 2, 2], "nothing new after the stop");
});
