/**
 * The `stream` service: with `autoStart: false` nothing is sent until an
 * operator goes live; stop ends the stream cleanly (no restart follows) while
 * the frame loop goes on; going live again streams again.
 */
import { eventually } from "../../../core/testing.ts";
import assert from "node:assert/strict";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import type { StreamControl } from "../mod.ts";
import { nginxRtmp, nginxRtmpAvailable } from "./nginx_rtmp.ts";
import { streamEngine } from "./stream_engine.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("nginx-rtmp", nginxRtmpAvailable);

Deno.test({
  name: "stream service: off until go live, stop ends it without a restart, live again",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const nginx = await nginxRtmp();
    const engine = await streamEngine({ rtmpUrl: `${nginx.url}/show`, autoStart: false });
    try {
      const stream = engine.service<StreamControl>("stream");
      assert.equal(stream.unavailable, null);
      await eventually(() => engine.stats.length >= 2, "stats", 5000, 100);
      assert.equal(engine.latest()!.status, "off");
      await Promise.all([stream.goLive(), stream.goLive()]); // twice at once: one ffmpeg
      await eventually(() => stream.stats().status === "live", "live", 15_000, 100);
      await stream.stop();
      assert.equal(stream.stats().status, "off");
      const stoppedAt = engine.stats.length;
      await eventually(() => engine.stats.length >= stoppedAt + 3, "stats after stop", 5000, 100);
      const after = engine.stats.slice(stoppedAt);
      assert.ok(after.every((s) => s.status === "off" && s.restarts === 0), "no restart");
      assert.ok(after.every((s) => s.activeFps >= 28), "the loop goes on");
      await stream.goLive();
      await eventually(() => stream.stats().status === "live", "live again", 15_000, 100);
      const flvs = [...Deno.readDirSync(nginx.recordDir)].filter((e) => e.name.endsWith(".flv"));
      assert.equal(flvs.length, 2, "two publishes reached the ingest");
    } finally {
      await engine.stop();
      await nginx.remove();
    }
  },
});

Deno.test({
  name: "stream service: without an ingest it cannot go live, and says why",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await streamEngine({});
    try {
      const stream = engine.service<StreamControl>("stream");
      assert.match(stream.unavailable ?? "", /no RTMP_URL|ffmpeg not found/);
      await assert.rejects(() => stream.goLive(), /cannot go live/);
      assert.equal(stream.stats().status, "preview-only");
    } finally {
      await engine.stop();
    }
  },
});
