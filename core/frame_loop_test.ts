import { assert, assertEquals } from "./testing.ts";
import { createFrameLoop, type FrameLoop, queuedSink } from "./frame_loop.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The slot indexes the loop pushes, in order. */
function slotsPushed(loop: FrameLoop<number>): number[] {
  const indexes: number[] = [];
  loop.addSink({
    name: "s",
    push: (_f, i) => void indexes.push(i),
    dropped: () => 0,
    depth: () => ({ queued: 0, limit: 0 }),
  });
  return indexes;
}

Deno.test("frame loop: a stalled sink drops frames past its queue and never slows rendering", async () => {
  const loop = createFrameLoop({ fps: 50, render: (i) => i });
  const written: number[] = [];
  const stuck = queuedSink<number>("stuck", () => new Promise(() => {}), { limit: 3 });
  const fast = queuedSink<number>("fast", (f) => Promise.resolve(void written.push(f)), {
    limit: 3,
  });
  loop.addSink(stuck);
  loop.addSink(fast);
  loop.start();
  await wait(500);
  loop.stop();
  const stats = loop.stats();
  // 50 fps for 0.5 s is 25 slots; a shared, busy machine may miss a few (counted late).
  assert(stats.rendered + stats.late >= 20, `rendered ${stats.rendered} late ${stats.late}`);
  assertEquals(stuck.depth(), { queued: 3, limit: 3 });
  assertEquals(stuck.dropped(), stats.rendered - 3); // the frame being written counts in its queue
  assertEquals(fast.dropped(), 0);
  assertEquals(written.length, stats.rendered);
  assertEquals(stats.dropped, stuck.dropped());
});

Deno.test("queued sink: keeps its own copy of each queued frame and releases it when written or lost", async () => {
  const kept: string[] = [];
  const released: string[] = [];
  let fail = false;
  let finish = () => {};
  const sink = queuedSink<{ id: number }>(
    "s",
    () =>
      new Promise<void>((resolve, reject) => {
        finish = () => (fail ? reject(new Error("writer gone")) : resolve());
      }),
    {
      limit: 2,
      keep: (frame) => (kept.push(`copy-${frame.id}`), { id: frame.id + 100 }),
      release: (frame) => void released.push(`copy-${frame.id - 100}`),
    },
  );
  sink.push({ id: 1 }, 1);
  sink.push({ id: 2 }, 2);
  sink.push({ id: 3 }, 3); // full: dropped, never copied
  assertEquals(kept, ["copy-1", "copy-2"]);
  assertEquals(sink.dropped(), 1);
  finish(); // frame 1 written
  await wait(0);
  assertEquals(released, ["copy-1"]);
  fail = true;
  finish(); // the writer dies holding frame 2
  await sink.drained();
  await wait(0);
  assertEquals(released, ["copy-1", "copy-2"]);
  assertEquals(sink.depth(), { queued: 0, limit: 2 });
});

Deno.test("frame loop: a slow render skips missed slots and counts them late", async () => {
  const loop = createFrameLoop({
    fps: 20,
    render: (i) => {
      if (i === 2) {
        const until = performance.now() + 180; // 3.6 slots of 50 ms
        while (performance.now() < until) { /* busy */ }
      }
      return i;
    },
  });
  const indexes = slotsPushed(loop);
  const started = performance.now();
  loop.start();
  await wait(600);
  loop.stop();
  const elapsedSlots = Math.ceil((performance.now() - started) / 50);
  const after2 = indexes[indexes.indexOf(2) + 1];
  // Frame 2 ran from ~100 ms to ~280 ms: slots 3 and 4 passed meanwhile and are skipped, not
  // bunched up; the next frame renders in slot 5 (or later on a busy machine).
  assert(after2 >= 5, `frame after 2 was ${after2}`);
  assert(loop.stats().late >= 2);
  assert(indexes.every((v, i) => i === 0 || v > indexes[i - 1]));
  assert(indexes.length <= elapsedSlots);
});

Deno.test("frame loop: a render that throws costs its slot, is reported and counted, and the loop goes on", async () => {
  const errors: Array<[string, number]> = [];
  const loop = createFrameLoop({
    fps: 50,
    render: (i) => {
      if (i === 2) throw new Error("widget exploded");
      return i;
    },
    onError: (error, index) => void errors.push([(error as Error).message, index]),
  });
  const indexes = slotsPushed(loop);
  loop.start();
  await wait(300);
  loop.stop();
  assertEquals(errors, [["widget exploded", 2]]);
  assertEquals(loop.stats().failed, 1);
  assert(!indexes.includes(2));
  assert(indexes.some((i) => i > 2), `frames after the failure: ${indexes}`);
});
