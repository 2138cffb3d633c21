/**
 * Stream health as OBS names it: active fps, render time, frames rendered,
 * late (missed render slots, OBS's "lagged"), failed (renders that threw) and
 * dropped (frames the encoder side could not take), encoder speed, output bit rate, reconnects, congestion
 * and status. Warnings use OBS's thresholds.
 */
import type { FrameStats } from "../../core/frame_loop.ts";
import type { EncoderProgress } from "./progress.ts";

/** `preview-only`: nothing can be streamed (no ffmpeg or ingest); `off`: stopped by an operator. */
import type { StreamStats, StreamStatus } from "./events.ts";

export type { StreamStats, StreamStatus };

export interface StreamStatsInput {
  status: StreamStatus;
  encoder: string | null;
  loop: FrameStats;
  progress: EncoderProgress | null;
  restarts: number;
  queue: { queued: number; limit: number };
}

export function streamStats(i: StreamStatsInput): StreamStats {
  const budgetMs = 1000 / i.loop.targetFps;
  const warnings: string[] = [];
  if (i.loop.activeFps < 0.95 * i.loop.targetFps) {
    warnings.push(`fps ${i.loop.activeFps} below 95% of ${i.loop.targetFps}`);
  }
  if (i.loop.renderMs.avg > 0.75 * budgetMs) {
    warnings.push(
      `render ${round(i.loop.renderMs.avg)} ms above 75% of the ${round(budgetMs)} ms budget`,
    );
  }
  if (i.status === "reconnecting") warnings.push("ingest disconnected, reconnecting");
  if (i.progress && i.status === "live" && i.progress.speed > 0 && i.progress.speed < 0.95) {
    warnings.push(`encoder at ${i.progress.speed}x real time`);
  }
  return {
    status: i.status,
    encoder: i.encoder,
    targetFps: i.loop.targetFps,
    activeFps: i.loop.activeFps,
    renderMs: {
      avg: round(i.loop.renderMs.avg),
      p95: round(i.loop.renderMs.p95),
      max: round(i.loop.renderMs.max),
    },
    frames: {
      rendered: i.loop.rendered,
      late: i.loop.late,
      failed: i.loop.failed,
      dropped: i.loop.dropped,
    },
    encoderSpeed: i.status === "live" ? i.progress?.speed ?? 0 : 0,
    outputKbps: i.status === "live" ? round(i.progress?.bitrateKbps ?? 0) : 0,
    restarts: i.restarts,
    congestion: i.queue.limit ? round(i.queue.queued / i.queue.limit) : 0,
    warnings,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
