/**
 * The A/V sync measurement end to end: the test signal every 2 s through the
 * real sink, libx264/aac and nginx-rtmp, read back from nginx's recording with
 * ffmpeg: every flash has its beep, within 40 ms (the target), and
 * none is missed. A run that began mid-signal records it cut: the reader leaves
 * that one out (timed, it read up to 2 frames late: "flashes 1.933 s apart").
 * It reads the one recording of the one publish; several (a restart) fail, named.
 */
import { eventually } from "../../../core/testing.ts";
import assert from "node:assert/strict";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { readAvOffsets } from "../av_offset.ts";
import { nginxRtmp, nginxRtmpAvailable, theRecording } from "./nginx_rtmp.ts";
import { streamEngine } from "./stream_engine.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("ffprobe", () => commandWorks("ffprobe")) &&
  await serviceAvailable("nginx-rtmp", nginxRtmpAvailable);

Deno.test({
  name: "av sync: the flash and the beep read back from nginx-rtmp within 40 ms of each other",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const nginx = await nginxRtmp();
    const engine = await streamEngine(
      {
        rtmpUrl: nginx.url,
        streamKey: "${STREAM_KEY}",
        encoder: "libx264",
        testSignal: { everySeconds: 2 },
      },
      { STREAM_KEY: "av" },
    );
    let restarts = 0;
    try {
      await eventually(() => engine.latest()?.status === "live", "live", 15_000, 100);
      const liveAt = performance.now();
      await eventually(() => performance.now() - liveAt > 11_000, "11 s of stream", 12_000, 100);
      restarts = engine.latest()?.restarts ?? 0;
    } finally {
      await engine.stop();
      await nginx.stop();
    }
    try {
      // One run measured: a restart would split it into recordings with signals missed between.
      const file = theRecording(nginx.recordDir, `${restarts} restarts`);
      const r = await readAvOffsets(file);
      console.log(`offsets (audio − video, ms): ${r.signals.map((s) => s.offsetMs).join(", ")}`);
      assert.ok(r.signals.length >= 4, `${r.signals.length} signals read back`);
      // Every flash has its beep (the last may be cut off by the end of the recording).
      assert.ok(
        r.flashes - r.signals.length <= 1,
        `${r.flashes} flashes, ${r.signals.length} paired`,
      );
      for (const s of r.signals) assert.ok(Math.abs(s.offsetMs) <= 40, `${s.offsetMs} ms`);
      // Two seconds apart, on both clocks.
      for (let i = 1; i < r.signals.length; i++) {
        const gap = r.signals[i].videoS - r.signals[i - 1].videoS;
        assert.ok(Math.abs(gap - 2) < 0.05, `flashes ${gap} s apart`);
      }
    } finally {
      await nginx.remove();
    }
  },
});
