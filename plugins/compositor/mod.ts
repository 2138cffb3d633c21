/**
 * compositor: loads the scenes, owns the frame loop, draws the registered
 * widgets into the scene on show, switches scene with the campaign phase and
 * the auction status, shows the slate scene while `slate.changed` says so (a
 * phase change meanwhile is kept for after the slate), and provides:
 * - `frames`: the frame loop and its geometry, for sinks (ffmpeg, previews);
 * - `widgets`: where widget plugins register their draw functions;
 * - `compositor`: scene control and single-frame renders (preview, admin).
 */
import { z } from "zod";
import { createFrameLoop } from "../../core/frame_loop.ts";
import { definePlugin } from "../../core/plugin.ts";
import { loadScenes, SCENES_DIR } from "../../scenes/load_scene.ts";
import { type CompositorEvents, compositorEvents, type SlateChanged } from "./events.ts";
import { followShow } from "./follow_show.ts";
import { frameHealth, mountFrameRoutes } from "./frame_routes.ts";
import { createAssets, preloadImages } from "./assets.ts";
import { previewCommand } from "./preview.ts";
import { builtinWidgets } from "./builtin_widgets.ts";
import { type Compositor, createCompositor } from "./compositor.ts";
import { registerFonts } from "./fonts.ts";
import type { Frame, Frames } from "./frames.ts";
import { PROFILE_NAMES, resolveGeometry } from "./profiles.ts";
import type { Widgets } from "./widgets.ts";
import type { SceneFiles } from "./scene_files.ts";
import { reloadScenes } from "./scene_reload.ts";
import { checkScenes } from "./check.ts";

export type { CompositorEvents, Frame, Frames, SlateChanged };
export { PROFILE_NAMES, VIDEO_PROFILES, type VideoProfile } from "./profiles.ts";
export type { Box, DrawContext, DrawWidget, Widgets } from "./widgets.ts";
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

const phaseName = z.enum(["pre-auction", "auction", "post-auction"]);

export const compositorConfig = z.object({
  /** The video profile (`VIDEO_PROFILE` in the shipped configs): canvas size and frame rate. */
  profile: z.enum(PROFILE_NAMES).default("720p30"),
  /** Explicit geometry, over the profile's (tests, odd outputs). */
  width: z.number().int().min(16).max(3840).optional(),
  height: z.number().int().min(16).max(2160).optional(),
  fps: z.number().int().min(1).max(60).optional(),
  /** Folder of scene files; default the project's `scenes/`. */
  scenesDir: z.string().optional(),
  /** Folder of images; default `scenes/assets/`. */
  assetsDir: z.string().optional(),
  /** How often changed scene files are looked for (a good file is on show at once, a bad one kept out). */
  watchScenesMs: z.number().int().min(100).default(1000),
  /** How often changed asset files are looked for. */
  watchAssetsMs: z.number().int().min(100).default(1000),
  initialScene: z.string().default("pre-auction"),
  /** Shown while the slate plugin says the slate is on air. */
  slateScene: z.string().default("slate"),
  /** Scene for each campaign phase. */
  phaseScenes: z.record(phaseName, z.string()).default({
    "pre-auction": "pre-auction",
    auction: "live",
    "post-auction": "post-auction",
  }),
  /** Start the frame loop at setup (off for previews and tests that render frame by frame). */
  run: z.boolean().default(true),
});

export default definePlugin({
  name: "compositor",
  config: compositorConfig,
  events: compositorEvents,
  listens: ["slate.changed", "campaign.phase", "auction.updated"],
  commands: { preview: previewCommand },
  check: ({ config }) => checkScenes(config),
  provides: ["frames", "widgets", "compositor", "sceneFiles"],
  async setup({ config, bus, clock, log, http, provide, health, page, metrics }) {
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
      onMissingWidget: (kind) => log.warn("scene uses a widget nobody registered", { kind }),
      onWidgetError: (kind, error) =>
        log.error("widget failed to draw; frames go on without it", { kind, error }),
    });
    for (const [kind, draw] of Object.entries(builtinWidgets(compositor.widgets))) {
      compositor.widgets.register(kind, draw);
    }
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

    if (config.run) loop.start();
    log.info("compositor ready", {
      scenes: compositor.scenes(),
      profile: config.profile,
      size: `${width}x${height}@${fps}`,
    });
    return () => {
      loop.stop();
      unfollow();
      assets.close();
      sceneFiles.stop();
    };
  },
});
