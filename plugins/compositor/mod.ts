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
import type { AuctionUpdated, CampaignPhase } from "../../scenes/show_events.ts";
import type { SlateChanged } from "../slate/events.ts";
import { createAssets } from "./assets.ts";
import { builtinWidgets } from "./builtin_widgets.ts";
import { type Compositor, createCompositor } from "./compositor.ts";
import { registerFonts } from "./fonts.ts";
import type { Frame, Frames } from "./frames.ts";
import { PROFILE_NAMES, resolveGeometry } from "./profiles.ts";
import type { Widgets } from "./widgets.ts";
import { type SceneFiles, watchSceneFiles } from "./scene_files.ts";
import type { Scene } from "../../scenes/scene.ts";

export type { Frame, Frames };
export { PROFILE_NAMES, VIDEO_PROFILES, type VideoProfile } from "./profiles.ts";
export type { Box, DrawContext, DrawWidget, Widgets } from "./widgets.ts";
export type { Asset, Assets } from "./assets.ts";
export type { Compositor, SnapshotOptions } from "./compositor.ts";
export type { SceneCheck, SceneFiles } from "./scene_files.ts";

declare module "../../core/plugin.ts" {
  interface Services {
    frames: Frames;
    widgets: Widgets;
    compositor: Compositor;
    sceneFiles: SceneFiles;
  }
}

const IMAGE_FILE = /\.(png|jpe?g|webp|gif)$/i;
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
    // Every image a scene names is loaded before the scene is drawn, so its frames are complete.
    const preload = (scene: Scene) =>
      Promise.all([
        scene.background.kind === "image" ? assets.load(scene.background.src) : undefined,
        ...Object.values(scene.quadrants).flatMap((q) => q.items).concat(scene.overlay.items)
          .flatMap((item) => Object.values(item.props))
          .map((v) => typeof v === "string" && IMAGE_FILE.test(v) ? assets.load(v) : undefined),
      ]);
    await Promise.all([...scenes.values()].map(preload));
    const sceneFiles = await watchSceneFiles({
      dir: config.scenesDir ?? SCENES_DIR.pathname,
      scenes,
      everyMs: config.watchScenesMs,
      replace: async (scene) => {
        await preload(scene);
        compositor.replaceScene(scene);
      },
      onCheck: (c) =>
        c.outcome === "reloaded"
          ? log.info("scene file reloaded: on show from the next frame", { file: c.file })
          : log.warn("scene file not taken: the old scene stays", { ...c }),
    });

    const loop = createFrameLoop({
      fps,
      render: (index) => compositor.render(index),
      onError: (error) => log.error("frame failed to render; the loop goes on", { error }),
    });
    provide("frames", { width, height, fps, loop });
    provide("widgets", compositor.widgets);
    provide("compositor", compositor);
    provide("sceneFiles", { check: sceneFiles.check, problems: sceneFiles.problems });

    // While the slate is on air, the scene the show would be on is kept for when it leaves.
    let slateOn = false;
    let backTo: string = compositor.current();
    const showForPhase = (phase: keyof typeof config.phaseScenes) => {
      const name = config.phaseScenes[phase];
      if (!name || !scenes.has(name)) return;
      if (slateOn) backTo = name;
      else compositor.show(name);
    };
    const offSlate = bus.on("slate.changed", (e) => {
      const on = (e.payload as SlateChanged).on;
      if (on === slateOn || !scenes.has(config.slateScene)) return;
      slateOn = on;
      if (on) {
        if (compositor.current() !== config.slateScene) backTo = compositor.current();
        compositor.show(config.slateScene);
      } else {
        compositor.show(scenes.has(backTo) ? backTo : config.initialScene);
      }
    });
    const offPhase = bus.on("campaign.phase", (e) => {
      showForPhase((e.payload as CampaignPhase).phase);
    });
    const offAuction = bus.on("auction.updated", (e) => {
      const status = (e.payload as AuctionUpdated).status;
      if (status === "open" || status === "paused") showForPhase("auction");
      else if (status === "closed" || status === "cancelled") showForPhase("post-auction");
    });

    // One encode a frame, shared by everyone asking in that frame's slot: 300 viewers cost
    // one PNG, not 300 (each encode takes the loop's thread from the next frame).
    const framePeriodMs = 1000 / fps;
    const encodes = metrics.counter(
      "sothebais_compositor_preview_encodes_total",
      "PNG encodes of the preview frame",
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
    page("preview frame", "/compositor/frame.png");
    http.get(
      "/compositor/scenes",
      (c) => c.json({ current: compositor.current(), scenes: compositor.scenes() }),
    );
    health("frames", () => {
      const stats = loop.stats();
      const failing = compositor.failingWidgets();
      // Down only when the loop stalls; a slow second or a broken widget is a warning, not an outage.
      const warnings = [
        config.run && stats.activeFps < 0.95 * stats.targetFps &&
        `${stats.activeFps} fps, below 95 % of ${stats.targetFps}`,
        failing.length > 0 && `widgets failing to draw: ${failing.join(", ")}`,
        ...Object.values(sceneFiles.problems()).map((p) => `scene file kept out: ${p}`),
      ].filter(Boolean);
      return {
        ok: !config.run || stats.activeFps > 0,
        warning: warnings.length ? warnings.join("; ") : undefined,
        scene: compositor.current(),
        ...stats,
      };
    });

    if (config.run) loop.start();
    log.info("compositor ready", {
      scenes: compositor.scenes(),
      profile: config.profile,
      size: `${width}x${height}@${fps}`,
    });
    return () => {
      loop.stop();
      offPhase();
      offAuction();
      offSlate();
      assets.close();
      sceneFiles.stop();
    };
  },
});
