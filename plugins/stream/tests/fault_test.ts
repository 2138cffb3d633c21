/**
 * Fault: the ingest goes away mid-stream and comes back. The engine keeps
 * rendering, counts the restart, and the stream is readable again within 5 s
 * of the server's return.
 */
import { eventually } from "../../../core/testing.ts";
import assert from "node:assert/strict";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { nginxRtmp, nginxRtmpAvailable } from "./nginx_rtmp.ts";
import { ffprobe, streamEngine } from "./stream_engine.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("ffprobe", () => commandWorks("ffprobe")) &&
  await serviceAvailable("nginx-rtmp", nginxRtmpAvailable);

/**
 * True when a player gets both the h264 and the aac stream from `url`. A player
 * joining mid-stream waits for the next keyframe (nginx-rtmp starts new players
 * on one), so each probe may take up to a keyframe interval.
 */
async function readable(url: string): Promise<boolean> {
  try {
    const info = await ffprobe([
      "-analyzeduration",
      "4000000",
      "-fpsprobesize",
      "0",
      "-show_entries",
      "stream=codec_name",
      url,
    ], 6000);
    return info.streams!.map((s) => s.codec_name).sort().join() === "aac,h264";
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "stream: nginx stopped mid-stream and restarted; readable again within 5 s, restart counted",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const nginx = await nginxRtmp();
    const url = `${nginx.url}/show`;
    const engine = await streamEngine({ rtmpUrl: nginx.url, streamKey: "${STREAM_KEY}" }, {
      STREAM_KEY: "show",
    });
    try {
      await eventually(() => engine.latest()?.status === "live", "live", 15_000, 100);
      assert(await readable(url), "not readable before the fault");

      await nginx.stop();
      await eventually(
        () => engine.latest()?.status === "reconnecting",
        "reconnecting",
        5_000,
        100,
      );
      const dropAt = engine.stats.length - 1;

      await nginx.start();
      const back = performance.now();
      await eventually(() => readable(url), "the stream readable again", 8_000, 100);
      const tookMs = performance.now() - back;
      console.log(`readable again ${Math.round(tookMs)} ms after nginx restarted`);
      assert(tookMs <= 5000, `readable again only after ${Math.round(tookMs)} ms`);

      await eventually(() => engine.latest()?.status === "live", "live again", 5_000, 100);
      const after = engine.latest()!;
      assert(after.restarts >= 1, `restarts ${after.restarts}`);
      // The frame loop kept running through the outage: a loop blocked on the dead
      // encoder would fall towards 0; a machine under load alone costs a few frames.
      const during = engine.stats.slice(dropAt).map((s) => s.activeFps);
      assert(during.length >= 2 && during.every((fps) => fps >= 24), `fps ${during}`);
      const metrics = engine.metrics.render();
      assert.match(metrics, /sothebais_stream_restarts_total [1-9]/);
      assert.match(metrics, /sothebais_stream_status\{status="live"\} 1/);
    } finally {
      await engine.stop();
      await nginx.remove();
    }
  },
});
