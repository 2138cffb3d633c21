/**
 * The stream's health in `/metrics` (`sothebais_stream_*`) and `/healthz`
 * (`stream`): every figure read from the latest `StreamStats` when scraped,
 * none kept here.
 */
import type { Metrics } from "../../core/metrics.ts";
import type { HealthStatus } from "../../core/plugin.ts";
import type { StreamStats } from "./stream_stats.ts";

const STATUSES = ["live", "reconnecting", "preview-only", "off"] as const;

export function streamMetrics(
  metrics: Metrics,
  health: (name: string, check: () => HealthStatus) => void,
  now: () => StreamStats,
): void {
  const gauge = (name: string, help: string, read: () => number, type?: "counter") =>
    metrics.gauge(`sothebais_stream_${name}`, help, read, type);
  gauge("active_fps", "Frames rendered in the last second", () => now().activeFps);
  gauge("target_fps", "The frame rate the loop aims for", () => now().targetFps);
  metrics.gauge("sothebais_stream_render_ms", "Render time per frame (ms)", () => {
    const r = now().renderMs;
    return [[{ stat: "avg" }, r.avg], [{ stat: "p95" }, r.p95], [{ stat: "max" }, r.max]];
  });
  metrics.gauge(
    "sothebais_stream_frames_total",
    "Frames rendered, late, failed and dropped",
    () => {
      const f = now().frames;
      return [
        [{ kind: "rendered" }, f.rendered],
        [{ kind: "late" }, f.late],
        [{ kind: "failed" }, f.failed],
        [{ kind: "dropped" }, f.dropped],
      ];
    },
    "counter",
  );
  gauge("encoder_speed", "Encoding speed as a multiple of real time", () => now().encoderSpeed);
  gauge("output_kbps", "Output bit rate (kbit/s)", () => now().outputKbps);
  gauge("restarts_total", "ffmpeg restarts", () => now().restarts, "counter");
  gauge("congestion", "Encoder queue depth as a fraction of its limit", () => now().congestion);
  metrics.gauge(
    "sothebais_stream_status",
    "1 for the current status",
    () => STATUSES.map((s) => [{ status: s }, now().status === s ? 1 : 0]),
  );
  gauge("warnings", "Health warnings now (OBS thresholds)", () => now().warnings.length);
  health("stream", () => {
    const s = now();
    return { ok: true, status: s.status, restarts: s.restarts, warnings: s.warnings };
  });
}
