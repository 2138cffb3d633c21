/**
 * compositor: loads the scenes, owns the frame loop, draws the registered
 * widgets into the scene on show, switches scene with the campaign phase and
 * the auction status, shows the slate scene while `slate.changed` says so (a
 * phase change meanwhile is kept for after the slate), and provides:
 * - `frames`: the frame loop and its geometry, for sinks (ffmpeg, previews);
 * - `widgets`: where widget plugins register their draw functions;
 * - `compositor`: scene control and single-frame renders (preview, admin).
 */
import { createFrameLoop } from "../../core/frame_loop.ts";
import { definePlugin } from "../../core/plugin.ts";
import { loadScenes, SCENES_DIR } from "../../scenes/load_scene.ts";
import { type CompositorEvents, compositorEvents, type SlateChanged } from "./events.ts";
import { followShow } from "./follow_show.ts";
import { frameHealth, mountFrameRoutes } from "./frame_routes.ts";
import { createAssets, preloadImages } from "./assets.ts";
import { previewCommand } from "./preview.ts";
import { newCommand } from "./new_widget.ts";
import { builtinWidgets } from "./builtin_widgets.ts";
import { type Compositor, createCompositor } from "./compositor.ts";
import { registerFonts } from "./fonts.ts";
import type { Frame, Frames } from "./frames.ts";
import { resolveGeometry } from "./profiles.ts";
import { compositorConfig } from "./config.ts";
import type { Widgets } from "./widgets.ts";
import type { SceneFiles } from "./scene_files.ts";
import { reloadScenes } from "./scene_reload.ts";
import { checkScenes } from "./check.ts";
import { watchWidgetFiles } from "./widget_reload.ts";
import { widgetLogs } from "./widget_logs.ts";

export type { CompositorEvents, Frame, Frames, SlateChanged };
export { PROFILE_NAMES, VIDEO_PROFILES, type VideoProfile } from "./profiles.ts";
export type { Box, DrawContext, DrawWidget, MountedWidget, Widgets } from "./widgets.ts";
export { compositorConfig } from "./config.ts";
// The widget SDK (docs/widgets.md): define a widget, make it a plugin, or mount it in one.
export { defineWidget, mountWidgets, widgetListens, widgetPlugin } from "./widget_kit.ts";
export type { Widget, WidgetEnv, WidgetFrame, WidgetSpec } from "./widget_kit.ts";
export type { WidgetStat } from "./widget_stats.ts";
export { applyEvents, matchGolden, renderWidget, widgetState } from "./widget_testing.ts";
export type { Asset, Assets } from "./assets.ts";
export type { Compositor, SnapshotOptions } from "./compositor.ts";
export type { SceneCheck, SceneFiles } from "./scene_files.ts";
export { startStudio } from "./studio.ts";
// The widget drawing kit: widget plugins draw with these (and the DrawWidget types above).
export * from "./draw.ts";
export { font, theme } from "./theme.ts";

declare module "../../core/plugin.ts" {
  interface Services {
    frames: Frames;
    widgets: Widgets;
    compositor: Compositor;
    sceneFiles: SceneFiles;
  }
}

export default definePlugin({
  name: "compositor",
  config: compositorConfig,
  events: compositorEvents,
  // `*`: the relay of live-reloaded widget code to event types its loaded plugin does not declare
  // (held only while such code is on; widget_feeds.ts). The compositor itself reads these three.
  listens: ["slate.changed", "campaign.phase", "auction.updated", "*"],
  commands: { preview: previewCommand, new: newCommand },
  check: ({ config }) => checkScenes(config),
  provides: ["frames", "widgets", "compositor", "sceneFiles"],
  async setup({ config, bus, clock, log, http, provide, health, page, metrics, use }) {
    const { width, height, fps } = resolveGeometry(config.profile, config);
    registerFonts();
    const scenes = await loadScenes(config.scenesDir ?? SCENES_DIR);
    const assets = createAssets(config.assetsDir ?? new URL("assets/", SCENES_DIR).pathname, {
      watchMs: config.watchAssetsMs,
      onError: (path, error) => log.warn("asset unavailable", { path, error }),
    });
    const compositor = createCompositor({
      scenes,
      width,
      height,
      fps,
      assets,
      now: () => clock.instant(),
      initialScene: config.initialScene,
      widgetBudgetMs: config.widgetBudgetMs,
      relay: (handler) => bus.on("*", handler),
      reloadHistory: config.reloadWidgets || config.reloadHistory,
      ...widgetLogs(log),
    });
    for (const w of builtinWidgets) compositor.widgets.define(w, { settings: {}, assets, use });
    await preloadImages(scenes.values(), assets);
    const dir = config.scenesDir ?? SCENES_DIR.pathname;
    const everyMs = config.watchScenesMs;
    const sceneFiles = await reloadScenes({ dir, scenes, everyMs, assets, compositor, log });

    const loop = createFrameLoop({
      fps,
      render: (index) => compositor.render(index),
      onError: (error) => log.error("frame failed to render; the loop goes on", { error }),
    });
    provide("frames", { width, height, fps, loop });
    provide("widgets", compositor.widgets);
    provide("compositor", compositor);
    provide("sceneFiles", { check: sceneFiles.check, problems: sceneFiles.problems });

    const unfollow = followShow({
      bus,
      compositor,
      has: (name) => scenes.has(name),
      phaseScenes: config.phaseScenes,
      slateScene: config.slateScene,
      initialScene: config.initialScene,
    });
    mountFrameRoutes(http, compositor, fps, metrics);
    page("preview frame", "/compositor/frame.png");
    health("frames", () => frameHealth(loop.stats(), compositor, config.run, sceneFiles));

    const reload = config.reloadWidgets
      ? watchWidgetFiles({
        widgets: compositor.widgets,
        everyMs: 100,
        onReload: widgetLogs(log).onReload,
      })
      : undefined;
    if (config.run) loop.start();
    log.info("compositor ready", {
      scenes: compositor.scenes(),
      profile: config.profile,
      size: `${width}x${height}@${fps}`,
    });
    return async () => {
      await reload?.stop();
      loop.stop();
      unfollow();
      assets.close();
      sceneFiles.stop();
    };
  },
});
