/**
 * The audio paced by the video: what is sent is the wall clock's audio of the
 * slots the video shows, sample for sample; skipped slots skip their audio,
 * holes become silence, and audio waits for the video (bounded).
 */
import assert from "node:assert/strict";
import { pacedAudio } from "./paced_audio.ts";

// 1 sample a millisecond, 10 fps: a slot is 100 samples; slot i starts at wall time 1000 + 100 i.
const rate = 1000, fps = 10;
const slotTime = (i: number) => 1000 + i * 100;
/** Wall-clock audio whose every sample is its own time (ms) − 1000, as the pump would deliver it. */
const chunk = (fromMs: number, n: number) =>
  [Int16Array.from({ length: n }, (_, i) => fromMs - 1000 + i), fromMs] as const;
const drain = (p: ReturnType<typeof pacedAudio>) => {
  const out: number[] = [];
  for (let d = p.take(); d; d = p.take()) out.push(...d);
  return out;
};
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

Deno.test("pacedAudio: sends only as far as the video has shown, from the first frame's slot", () => {
  const p = pacedAudio({ rate, fps, firstSlot: 0, slotTime });
  p.add(...chunk(980, 50)); // starts 20 ms before the first frame
  assert.deepEqual(drain(p), []); // no frame yet: nothing
  p.show(0, 1);
  assert.deepEqual(drain(p), range(0, 30)); // what has come of slot 0
  p.add(...chunk(1030, 200));
  assert.deepEqual(drain(p), range(30, 100)); // the rest of slot 0, not slot 1
  p.show(1, 3);
  assert.deepEqual(drain(p), range(100, 230));
  assert.equal(p.pending(), 0);
});

Deno.test("pacedAudio: slots the video skipped skip their audio: the sample count stays the frames'", () => {
  const p = pacedAudio({ rate, fps, firstSlot: 0, slotTime });
  p.add(...chunk(1000, 1000)); // slots 0–9
  p.show(0, 2);
  p.show(7, 9); // slots 2–6 skipped (an encoder behind)
  const sent = drain(p);
  assert.deepEqual(sent, [...range(0, 200), ...range(700, 900)]);
  assert.equal(sent.length, 4 * (rate / fps)); // four frames shown, four frames of audio
});

Deno.test("pacedAudio: a hole in the pump's audio is silence, never a shift", () => {
  const p = pacedAudio({ rate, fps, firstSlot: 5, slotTime });
  p.add(...chunk(1500, 50));
  p.add(...chunk(1600, 100)); // 1550–1600 never came (the pump skipped)
  p.show(5, 7);
  assert.deepEqual(drain(p), [...range(500, 550), ...new Array(50).fill(0), ...range(600, 700)]);
});

Deno.test("pacedAudio: two clocks' rounding does not open a hole between contiguous chunks", () => {
  const p = pacedAudio({ rate, fps, firstSlot: 0, slotTime });
  p.add(Int16Array.from(range(0, 100)), 1000.4);
  p.add(Int16Array.from(range(100, 200)), 1101.4); // off by a sample from the float clocks
  p.show(0, 2);
  assert.deepEqual(drain(p), range(0, 200));
});

Deno.test("pacedAudio: audio ahead of a stuck video is bounded; what was let go is silence", () => {
  const p = pacedAudio({ rate, fps, firstSlot: 0, slotTime, maxPendingSeconds: 1 });
  for (let t = 1000; t < 4000; t += 100) p.add(...chunk(t, 100));
  assert(p.pending() <= rate, `${p.pending()} samples held`);
  p.show(0, 30);
  const sent = drain(p);
  assert.equal(sent.length, 3000);
  assert.deepEqual(sent.slice(0, 2000), new Array(2000).fill(0));
  assert.deepEqual(sent.slice(2000), range(2000, 3000));
});
