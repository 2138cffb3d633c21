/**
 * The sink against a stand-in "encoder" that never reads its input (`sleep`):
 * the frame loop keeps its rate, frames beyond the queue are dropped and
 * counted, and the stall watchdog restarts the run.
 */
import assert from "node:assert/strict";
import { createFrameLoop } from "../../core/frame_loop.ts";
import { createLog } from "../../core/log.ts";
import type { Frame } from "../compositor/mod.ts";
import { audioPump } from "./audio_pump.ts";
import { backoff } from "./backoff.ts";
import { ffmpegSink } from "./ffmpeg_sink.ts";

Deno.test({
  name: "ffmpegSink: a stuck encoder drops and counts frames, never slows the loop, is restarted",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const width = 640, height = 360, fps = 30;
    const rgba = new Uint8Array(width * height * 4);
    const loop = createFrameLoop<Frame>({ fps, render: (index) => ({ rgba, index }) });
    const pump = audioPump({ sampleRate: 48000, channels: 1, read: (n) => new Int16Array(n) });
    const logs: string[] = [];
    const sink = ffmpegSink({
      ffmpeg: "sleep",
      args: () => ["30"],
      width,
      height,
      fps,
      audio: pump,
      log: createLog("test", { write: (l) => logs.push(l) }),
      queueLimit: 3,
      stallMs: 1500,
      backoff: backoff({ firstMs: 100 }),
    });
    loop.addSink(sink.sink);
    loop.start();
    await new Promise((r) => setTimeout(r, 3500));
    const stats = loop.stats();
    loop.stop();
    await sink.stop();
    pump.stop();
    assert(stats.activeFps >= 28, `loop at ${stats.activeFps} fps`);
    // ~105 frames rendered; a 64 KiB pipe takes none of a 900 KiB frame: all but 3-4 per run dropped.
    assert(stats.dropped >= stats.rendered - 12, `${stats.dropped} of ${stats.rendered} dropped`);
    assert.deepEqual(sink.sink.depth().limit, 3);
    assert(sink.restarts() >= 1, "the stalled run was not restarted");
    assert(logs.some((l) => l.includes("stalled")));
    assert.equal(sink.live(), false);
  },
});
