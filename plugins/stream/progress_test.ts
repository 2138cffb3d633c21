import assert from "node:assert/strict";
import { type EncoderProgress, progressParser } from "./progress.ts";

Deno.test("progressParser: blocks split across chunks, speed and bitrate parsed", () => {
  const seen: EncoderProgress[] = [];
  const feed = progressParser((p) => seen.push(p));
  feed("frame=90\nfps=30.00\nstream_0_0_q=23.0\nbitrate=4512.3kbits/s\ntotal_size=16");
  feed("92000\nout_time_us=3000000\ndup_frames=1\ndrop_frames=0\nspeed=1.01x\nprogress=contin");
  assert.equal(seen.length, 0);
  feed("ue\nframe=120\nbitrate=N/A\nspeed=N/A\nprogress=end\n");
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[0], {
    frame: 90,
    fps: 30,
    speed: 1.01,
    bitrateKbps: 4512.3,
    totalBytes: 1692000,
    outTimeUs: 3000000,
    dupFrames: 1,
    dropFrames: 0,
    ended: false,
  });
  assert.equal(seen[1].frame, 120);
  assert.equal(seen[1].bitrateKbps, 0);
  assert.equal(seen[1].speed, 0);
  assert.equal(seen[1].ended, true);
});
