/**
 * stream: the ffmpeg sink. Takes the compositor's frames and the voice's audio,
 * encodes them for X's RTMP ingest (optionally recording locally), restarts
 * ffmpeg after OBS's back-off when it exits or the ingest drops, and reports
 * stream health every second as `stream.stats` and in `/metrics`.
 * Without ffmpeg (or without an ingest URL) the engine runs preview-only.
 * This file is the wiring: config (config.ts), going live (stream_runner.ts),
 * the sink (ffmpeg_sink.ts), the figures (stream_stats.ts, stream_metrics.ts).
 */
import { definePlugin } from "../../core/plugin.ts";
import type { Frames } from "../compositor/mod.ts";
import type { Audio } from "../voice/mod.ts";
import { audioPump } from "./audio_pump.ts";
import { checkStream } from "./check.ts";
import { streamConfig } from "./config.ts";
import { streamEvents } from "./events.ts";
import { streamMetrics } from "./stream_metrics.ts";
import { streamRunner } from "./stream_runner.ts";
import { type StreamStats, streamStats, type StreamStatus } from "./stream_stats.ts";

export type { StreamStats, StreamStatus };
export { streamConfig };

/** The `stream` service: go live and stop (the admin panel's controls), and the health now. */
export interface StreamControl {
  /** Why it cannot go live (no ffmpeg, no ingest or recording configured), or null. */
  unavailable: string | null;
  stats(): StreamStats;
  /** Starts ffmpeg (a no-op when already running); throws when `unavailable`. */
  goLive(): Promise<void>;
  /** Ends the stream cleanly; the frame loop goes on. */
  stop(): Promise<void>;
}

declare module "../../core/plugin.ts" {
  interface Services {
    stream: StreamControl;
  }
}

export default definePlugin({
  name: "stream",
  events: streamEvents,
  emits: ["stream.stats"],
  config: streamConfig,
  needs: ["frames", "audio"],
  provides: ["stream"],
  check: ({ config, timeoutMs }) => checkStream(config, timeoutMs),
  async setup({ config, bus, log, metrics, state, health, dataDir, use, provide, page }) {
    const frames = use("frames") as Frames;
    const pump = audioPump(use("audio") as Audio);
    const runner = await streamRunner({ config, frames, audio: pump, log, dataDir });
    // The terminal says where the show is recorded (a file URL: any player opens the segments).
    if (runner.recordingDir) page("recording", new URL(`file://${runner.recordingDir}/`).href);
    if (!runner.unavailable && config.autoStart) await runner.goLive();

    let latest: StreamStats | undefined;
    let lastStatus: StreamStatus | undefined;
    const measure = (): StreamStats => {
      const sink = runner.sink();
      return streamStats({
        status: runner.unavailable
          ? "preview-only"
          : !sink
          ? "off"
          : sink.live()
          ? "live"
          : "reconnecting",
        encoder: runner.encoder(),
        loop: frames.loop.stats(),
        progress: sink?.progress() ?? null,
        restarts: sink?.restarts() ?? 0,
        queue: sink?.sink.depth() ?? { queued: 0, limit: runner.queueLimit },
      });
    };
    const tick = () => {
      runner.prune();
      latest = measure();
      if (latest.status !== lastStatus) {
        const level = latest.status === "reconnecting" && lastStatus ? "warn" : "info";
        log[level](`stream ${latest.status}`, { restarts: latest.restarts });
        lastStatus = latest.status;
      }
      bus.emit("stream.stats", latest);
      state.set("stream:stats", JSON.stringify(latest), { ttlMs: 10_000 }).catch(() => {});
    };
    // Real seconds, not the engine's clock: the stream runs in real time even in a rehearsal.
    const timer = setInterval(tick, 1000);
    streamMetrics(metrics, health, () => (latest ??= measure()));

    provide("stream", {
      unavailable: runner.unavailable,
      stats: () => (latest = measure()),
      goLive: runner.goLive,
      stop: runner.stop,
    });

    return async () => {
      clearInterval(timer);
      await runner.stop();
      pump.stop();
    };
  },
});
