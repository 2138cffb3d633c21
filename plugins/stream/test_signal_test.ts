/**
 * testSignal: the flash is on the frames whose slots start the 100 ms after
 * each mark, whatever the arrival jitter; the beep starts at the first such
 * slot's instant, sample-exact, across chunk boundaries.
 */
import assert from "node:assert/strict";
import { SIGNAL_MS, testSignal } from "./test_signal.ts";

const FPS = 30;
const FRAME_MS = 1000 / FPS;
const ORIGIN = 10_017.5; // the loop's origin on the wall clock: not on a mark

Deno.test("testSignal: three frames flash after each 2 s mark, despite late arrivals", () => {
  // A loop that starts long after a mark gives that mark no flash.
  const later = testSignal(2, FPS);
  assert.equal(later.frame(0, 10_500), false);
  const s = testSignal(2, FPS);
  const flashed: number[] = [];
  for (let i = 0; i < 200; i++) {
    const late = i % 7 === 3 ? 9 : 0.4; // a frame never arrives before its slot
    if (s.frame(i, ORIGIN + i * FRAME_MS + late)) flashed.push(i);
  }
  // Marks at 10 000 (the first slot, 17.5 ms after it, is within a frame), 12 000, 14 000 and
  // 16 000 ms: the first slots at or after them, three each.
  const first = (mark: number) => Math.max(0, Math.ceil((mark - ORIGIN) / FRAME_MS));
  const want = [10_000, 12_000, 14_000, 16_000].flatMap((m) => [0, 1, 2].map((k) => first(m) + k));
  assert.deepEqual(flashed, want);
});

Deno.test("testSignal: a loop that starts inside a signal draws and beeps none of it", () => {
  // The mark at 10 000 ms is 50 ms before the first slot: its first slot at or after it would be
  // slot -1, so neither its flash nor its beep is cut to what falls after the first slot.
  const origin = 10_050;
  const rate = 48_000;
  for (const s of [testSignal(2, FPS), testSignal(2, FPS, (i) => origin + i * FRAME_MS)]) {
    const flashed = [...Array(20).keys()].filter((i) => s.frame(i, origin + i * FRAME_MS + 0.4));
    assert.deepEqual(flashed, []);
    const audio = new Int16Array(rate * 0.2);
    s.mix(audio, origin, rate);
    assert.equal(audio.findIndex((v) => v !== 0), -1, "no beep");
  }
  // The next mark's signal is whole: three frames and the beep from the first slot after it.
  const s = testSignal(2, FPS);
  const slots = [...Array(80).keys()].filter((i) => s.frame(i, origin + i * FRAME_MS));
  const first = Math.ceil((12_000 - origin) / FRAME_MS);
  assert.deepEqual(slots, [first, first + 1, first + 2]);
});

Deno.test("testSignal: the beep starts at the flash's slot instant, split over chunks", () => {
  const s = testSignal(2, FPS);
  for (let i = 0; i < 10; i++) s.frame(i, ORIGIN + i * FRAME_MS);
  const rate = 48_000;
  const start = ORIGIN + Math.ceil((12_000 - ORIGIN) / FRAME_MS) * FRAME_MS;
  // 20 ms chunks from 11 900 ms to 12 300 ms.
  const audio = new Int16Array(rate * 0.4);
  for (let c = 0; c < 20; c++) {
    const chunk = audio.subarray(c * 960, (c + 1) * 960);
    s.mix(chunk, 11_900 + c * 20, rate);
  }
  const firstLoud = audio.findIndex((v) => v !== 0);
  const lastLoud = audio.findLastIndex((v) => v !== 0);
  const at = (i: number) => 11_900 + (i * 1000) / rate;
  assert.ok(Math.abs(at(firstLoud) - start) <= 1000 / rate + 1e-9, `${at(firstLoud)} vs ${start}`);
  assert.ok(Math.abs(at(lastLoud) - (start + SIGNAL_MS)) <= 2 * (1000 / rate));
  assert.ok(Math.max(...audio) > 15_000, "loud enough to read back");
});

Deno.test("testSignal: the flash is a white square of 32 px at 720p, 48 px at 1080p", () => {
  for (const [w, h, side] of [[1280, 720, 32], [1920, 1080, 48]]) {
    const rgba = new Uint8Array(w * h * 4);
    testSignal(60, FPS).flash(rgba, w, h);
    const px = (x: number, y: number) => rgba[(y * w + x) * 4];
    assert.equal(px(side - 1, side - 1), 255);
    assert.equal(px(side, 0), 0);
    assert.equal(px(0, side), 0);
  }
});
