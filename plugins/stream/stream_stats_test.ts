import assert from "node:assert/strict";
import type { FrameStats } from "../../core/frame_loop.ts";
import { streamStats } from "./stream_stats.ts";

const loop: FrameStats = {
  targetFps: 30,
  activeFps: 30,
  rendered: 900,
  late: 2,
  failed: 0,
  dropped: 1,
  renderMs: { avg: 6.2, p95: 9.1, max: 14.04 },
};
const progress = {
  frame: 890,
  fps: 30,
  speed: 1.0,
  bitrateKbps: 4580.44,
  totalBytes: 1,
  outTimeUs: 1,
  dupFrames: 0,
  dropFrames: 0,
  ended: false,
};

Deno.test("streamStats: healthy live stream has no warnings", () => {
  const s = streamStats({
    status: "live",
    encoder: "libx264",
    loop,
    progress,
    restarts: 1,
    queue: { queued: 1, limit: 4 },
  });
  assert.deepEqual(s.warnings, []);
  assert.deepEqual(s.frames, { rendered: 900, late: 2, failed: 0, dropped: 1 });
  assert.equal(s.congestion, 0.25);
  assert.equal(s.outputKbps, 4580.44);
  assert.equal(s.renderMs.max, 14.04);
});

Deno.test("streamStats: OBS thresholds (fps < 95 %, render > 75 % of budget) warn", () => {
  const at = (activeFps: number, avg: number) =>
    streamStats({
      status: "live",
      encoder: "libx264",
      loop: { ...loop, activeFps, renderMs: { ...loop.renderMs, avg } },
      progress,
      restarts: 0,
      queue: { queued: 0, limit: 3 },
    }).warnings;
  assert.equal(at(29, 25).length, 0); // 29 >= 28.5; 25 ms = 75 % of 33.3 ms
  assert.equal(at(28, 25).length, 1);
  assert.equal(at(30, 25.1).length, 1);
  assert.equal(at(20, 30).length, 2);
});

Deno.test("streamStats: not encoding reports no speed or bit rate", () => {
  const s = streamStats({
    status: "reconnecting",
    encoder: "libx264",
    loop,
    progress,
    restarts: 2,
    queue: { queued: 0, limit: 3 },
  });
  assert.equal(s.encoderSpeed, 0);
  assert.equal(s.outputKbps, 0);
  assert(s.warnings.some((w) => w.includes("reconnecting")));
});
