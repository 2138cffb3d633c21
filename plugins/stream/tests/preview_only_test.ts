/**
 * Without ffmpeg the engine still runs: frames render, stats say
 * preview-only, and the log says so once.
 */
import { eventually } from "../../../core/testing.ts";
import assert from "node:assert/strict";
import { streamEngine } from "./stream_engine.ts";

Deno.test({
  name: "stream: without ffmpeg the engine runs preview-only and says so once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await streamEngine({
      rtmpUrl: "rtmp://127.0.0.1:1/live",
      ffmpegPath: "/nonexistent/ffmpeg",
    });
    try {
      await eventually(() => engine.stats.length >= 3, "three stats", 5000, 100);
      const s = engine.latest()!;
      assert.equal(s.status, "preview-only");
      assert.equal(s.encoder, null);
      assert(s.activeFps >= 28, `fps ${s.activeFps}`);
      assert(s.frames.rendered >= 60);
      assert.equal(engine.logs.filter((l) => l.includes("PREVIEW ONLY")).length, 1);
      assert.match(engine.metrics.render(), /sothebais_stream_status\{status="preview-only"\} 1/);
      const health = await engine.health();
      assert.equal(health.checks["stream.stream"].status, "preview-only");
    } finally {
      await engine.stop();
    }
  },
});
