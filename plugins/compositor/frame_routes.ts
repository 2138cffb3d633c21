/**
 * What the compositor serves: `/compositor/frame.png` (the frame on air),
 * `/compositor/scenes`, and its `frames` health check (the loop, failing widgets,
 * scene files kept out). One encode a frame, shared by everyone asking in that
 * frame's slot: 300 viewers cost one PNG, not 300 (each encode takes the loop's
 * thread from the next frame).
 */
import type { Hono } from "hono";
import type { FrameStats } from "../../core/frame_loop.ts";
import type { HealthStatus } from "../../core/plugin.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { Compositor } from "./compositor.ts";
import type { SceneFiles } from "./scene_files.ts";
import type { WidgetStat } from "./widget_stats.ts";

export function mountFrameRoutes(
  http: Hono,
  compositor: Compositor,
  fps: number,
  metrics: Metrics,
): void {
  const framePeriodMs = 1000 / fps;
  const encodes = metrics.counter(
    "sothebais_compositor_preview_encodes_total",
    "PNG encodes of the preview frame",
  );
  const stat = (pick: (s: WidgetStat) => number) => () =>
    Object.entries(compositor.widgetStats()).map(([widget, s]) =>
      [{ widget }, pick(s)] as [Record<string, string>, number]
    );
  metrics.gauge(
    "sothebais_compositor_widget_render_ms",
    "Draw time of a widget kind in a frame (all its items), mean over its last 300 frames",
    stat((s) => s.meanMs),
  );
  metrics.gauge(
    "sothebais_compositor_widget_render_p99_ms",
    "Draw time of a widget kind in a frame, p99 over its last 300 frames",
    stat((s) => s.p99Ms),
  );
  metrics.gauge(
    "sothebais_compositor_widget_over_budget",
    "1 while a widget kind has been over its render budget for 30 frames in a row",
    stat((s) => (s.overBudget ? 1 : 0)),
  );
  let shared: { slot: number; png: Promise<Uint8Array<ArrayBuffer>> } | null = null;
  http.get("/compositor/frame.png", async (c) => {
    const slot = Math.floor(performance.now() / framePeriodMs);
    if (!shared || shared.slot !== slot) {
      const png = compositor.canvas.encode("png").then((b) =>
        new Uint8Array(b) as Uint8Array<ArrayBuffer>
      );
      shared = { slot, png };
      encodes.inc();
      png.catch(() => shared?.png === png && (shared = null));
    }
    return c.body(await shared.png, 200, {
      "content-type": "image/png",
      "cache-control": "no-store",
    });
  });
  http.get(
    "/compositor/scenes",
    (c) => c.json({ current: compositor.current(), scenes: compositor.scenes() }),
  );
}

/** Down only when the loop stalls; a slow second or a broken widget is a warning, not an outage. */
export function frameHealth(
  stats: FrameStats,
  compositor: Compositor,
  running: boolean,
  sceneFiles: Pick<SceneFiles, "problems">,
): HealthStatus {
  const failing = compositor.failingWidgets();
  const slow = Object.entries(compositor.widgetStats()).filter(([, s]) => s.overBudget)
    .map(([kind]) => kind);
  const warnings = [
    running && stats.activeFps < 0.95 * stats.targetFps &&
    `${stats.activeFps} fps, below 95 % of ${stats.targetFps}`,
    failing.length > 0 && `widgets failing to draw: ${failing.join(", ")}`,
    slow.length > 0 && `widgets over their render budget: ${slow.join(", ")}`,
    ...Object.values(sceneFiles.problems()).map((p) => `scene file kept out: ${p}`),
  ].filter(Boolean);
  return {
    ok: !running || stats.activeFps > 0,
    warning: warnings.length ? warnings.join("; ") : undefined,
    scene: compositor.current(),
    ...stats,
  };
}
