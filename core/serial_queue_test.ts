import { assertEquals, assertRejects } from "./testing.ts";
import { serialQueue } from "./serial_queue.ts";

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

Deno.test("serialQueue: jobs run one at a time, in the order queued, each result to its caller", async () => {
  const q = serialQueue();
  const log: string[] = [];
  let running = 0;
  const job = (name: string, turns: number) => async () => {
    running++;
    assertEquals(running, 1, `${name} overlapped another job`);
    log.push(`${name} start`);
    for (let i = 0; i < turns; i++) await tick();
    log.push(`${name} end`);
    running--;
    return name;
  };
  // The slow one first: without the queue the quick ones would finish before it.
  const results = await Promise.all([q.run(job("a", 3)), q.run(job("b", 0)), q.run(job("c", 1))]);
  assertEquals(results, ["a", "b", "c"]);
  assertEquals(log, ["a start", "a end", "b start", "b end", "c start", "c end"]);
});

Deno.test("serialQueue: a failing job fails its own caller and the next still runs", async () => {
  const q = serialQueue();
  const ran: string[] = [];
  const failing = q.run(() => {
    ran.push("throws");
    throw new Error("bad input");
  });
  const rejecting = q.run(async () => {
    await tick();
    ran.push("rejects");
    throw new Error("bad answer");
  });
  const next = q.run(() => {
    ran.push("next");
    return 42;
  });
  await assertRejects(() => failing, Error, "bad input");
  await assertRejects(() => rejecting, Error, "bad answer");
  assertEquals(await next, 42);
  assertEquals(ran, ["throws", "rejects", "next"]);
});

Deno.test("serialQueue: drained waits for every job, also those queued while it waits", async () => {
  const q = serialQueue();
  assertEquals(q.pending(), 0);
  await q.drained(); // nothing queued: at once
  const done: number[] = [];
  q.run(async () => {
    await tick();
    done.push(1);
    // Queued from inside a job, after drained() was called.
    q.run(async () => {
      await tick();
      done.push(3);
    });
  });
  q.run(() => {
    done.push(2);
    throw new Error("a failure does not reject drained");
  }).catch(() => {});
  assertEquals(q.pending(), 2);
  await q.drained();
  assertEquals(done, [1, 2, 3]);
  assertEquals(q.pending(), 0);
});
