/**
 * The compositor: a set of scenes, the widget registry, the scene on show and
 * the transition into the next one. `render(index)` draws one frame and returns
 * its straight RGBA bytes. Transitions are ticked by frame index, so they run at
 * the loop's pace and replay identically.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import type { Scene, Transition } from "../../scenes/scene.ts";
import type { Assets } from "./assets.ts";
import type { Frame } from "./frames.ts";
import {
  createSceneRenderer,
  type DrawReport,
  sceneConfigProblems,
  type SceneRenderer,
} from "./render_scene.ts";
import { createWidgetRegistry } from "./widget_registry.ts";
import { createWidgetStats, type WidgetStat } from "./widget_stats.ts";
import type { Widgets } from "./widgets.ts";
import type { SubscribeAll } from "./widget_feeds.ts";

export interface CompositorOptions {
  scenes: Map<string, Scene>;
  width: number;
  height: number;
  fps: number;
  assets: Assets;
  /** The show's time for a frame. */
  now: () => Temporal.Instant;
  initialScene: string;
  onMissingWidget?: (kind: string) => void;
  /** A widget's draw threw: told once for each widget and message. */
  onWidgetError?: (kind: string, error: unknown) => void;
  /** A widget's state handler threw on an event (the event is dropped for it). */
  onStateError?: (kind: string, type: string, error: unknown) => void;
  /** Every bus event: reloaded widget code reading types its loaded plugin does not declare. */
  relay?: SubscribeAll;
  /** Keep the last events of every type, so reloaded code reading a new type starts from them. */
  reloadHistory?: boolean;
  /** Render budget of one widget kind in a frame, ms (default 2 at 720p, by pixel count). */
  widgetBudgetMs?: number;
  /** A widget kind over budget for 30 frames in a row: told once. */
  onOverBudget?: (kind: string, ms: number, budgetMs: number) => void;
}

export interface Compositor {
  width: number;
  height: number;
  fps: number;
  widgets: Widgets;
  /** Scene names, sorted. */
  scenes(): string[];
  /** The scene on show (the incoming one during a transition). */
  current(): string;
  /**
   * Draws `scene` from the next frame on, in place of the one of its name (or as a new one).
   * Throws, and keeps the old one, when an item's props do not fit its widget's config.
   */
  replaceScene(scene: Scene): void;
  /** Switches scene with the given transition (default: the scene's own). */
  show(name: string, transition?: Transition): void;
  /** Draws frame `index` and returns it. */
  render(index: number): Frame;
  /**
   * Draw time per widget kind over its last 300 frames (the recording of its draw calls; Skia
   * rasterises at the end), with its budget and whether it is over it now.
   */
  widgetStats(): Record<string, WidgetStat>;
  /** Widget kinds whose last draw threw. */
  failingWidgets(): string[];
  /** The canvas the last frame was drawn on (for PNG snapshots). */
  canvas: Canvas;
  /**
   * The last frame scaled to `width` (aspect kept) and encoded. The scaling is a copy made
   * now (~0.2 ms at 480 wide); the encoding runs on Skia's worker thread, so the frames
   * drawn meanwhile are not in it and do not wait for it.
   */
  snapshot(options: SnapshotOptions): Promise<Uint8Array>;
}

export interface SnapshotOptions {
  width: number;
  type: "jpeg" | "webp";
  /** 0–100. */
  quality: number;
}

interface Running {
  from: SceneRenderer;
  kind: "fade" | "slide";
  startIndex: number;
  frames: number;
}

export function createCompositor(options: CompositorOptions): Compositor {
  const { width, height, fps, assets } = options;
  const registry = createWidgetRegistry({
    assets,
    fps,
    onStateError: options.onStateError,
    relay: options.relay,
    history: options.reloadHistory,
  });
  const stats = createWidgetStats({
    budgetMs: (options.widgetBudgetMs ?? 2) * (width * height) / (1280 * 720),
    onOverBudget: options.onOverBudget,
  });
  const renderers = new Map<string, SceneRenderer>();
  const missing = new Set<string>();
  const failing = new Set<string>();
  /** This frame's failures and draws: a kind stops failing once a frame draws all its items. */
  const failedNow = new Set<string>();
  const drewNow = new Set<string>();
  const told = new Set<string>();
  const report: DrawReport = {
    missing(kind) {
      if (missing.has(kind)) return;
      missing.add(kind);
      options.onMissingWidget?.(kind);
    },
    failed(kind, error) {
      failing.add(kind);
      failedNow.add(kind);
      const key = `${kind}: ${error instanceof Error ? error.message : String(error)}`;
      if (told.has(key) || told.size >= 100) return; // a broken widget runs 30 times a second
      told.add(key);
      options.onWidgetError?.(kind, error);
    },
    drew(kind, ms) {
      drewNow.add(kind);
      stats.add(kind, ms);
    },
  };
  const renderer = (name: string) => {
    let r = renderers.get(name);
    if (!r) {
      const scene = options.scenes.get(name);
      if (!scene) throw new Error(`no scene named ${name}; have ${[...options.scenes.keys()]}`);
      r = createSceneRenderer(scene, { width, height }, registry, assets, report);
      renderers.set(name, r);
    }
    return r;
  };

  const canvas = createCanvas(width, height);
  const g = canvas.getContext("2d");
  const incoming = createCanvas(width, height);
  const gi = incoming.getContext("2d");
  let currentScene = renderer(options.initialScene);
  let pending: { from: SceneRenderer; transition: Transition } | undefined;
  let running: Running | undefined;
  let lent: ArrayBuffer | undefined;

  const drawInto = (ctx: SKRSContext2D, r: SceneRenderer, now: Temporal.Instant, index: number) => {
    ctx.save();
    r.draw(ctx, now, index);
    ctx.restore();
  };

  return {
    width,
    height,
    fps,
    canvas,
    widgets: {
      ...registry,
      register(kind, draw) {
        missing.delete(kind);
        return registry.register(kind, draw);
      },
      define(widget, env, feed) {
        missing.delete(widget.kind);
        return registry.define(widget, env, feed);
      },
    },
    scenes: () => [...options.scenes.keys()].sort(),
    widgetStats: () => stats.read(),
    failingWidgets: () => [...failing].sort(),
    snapshot: snapshotter(canvas),
    current: () => currentScene.scene.name,
    replaceScene(scene) {
      const problems = sceneConfigProblems(scene, registry);
      if (problems.length) throw new Error(problems.join("; "));
      options.scenes.set(scene.name, scene);
      renderers.delete(scene.name);
      if (currentScene.scene.name === scene.name) currentScene = renderer(scene.name);
    },
    show(name, transition) {
      const next = renderer(name);
      const t = transition ?? next.scene.transition;
      const instant = t.kind === "cut" || t.ms === 0;
      if (next === currentScene && !running && !pending) return;
      if (next === currentScene && !instant) return;
      pending = instant ? undefined : { from: currentScene, transition: t };
      running = undefined;
      currentScene = next;
    },
    render(index) {
      // canvas.data() hands out a fresh copy of the pixels (the runtime copies external
      // buffers). Freeing the last one now lets this copy reuse its memory; left to the
      // garbage collector, most frames faulted in new pages (~10 ms at 720p).
      if (lent && !lent.detached) lent.transfer(0);
      const now = options.now();
      if (pending) {
        running = {
          from: pending.from,
          kind: pending.transition.kind as "fade" | "slide",
          startIndex: index,
          frames: Math.max(1, Math.round((pending.transition.ms / 1000) * fps)),
        };
        pending = undefined;
      }
      const progress = running ? (index - running.startIndex) / running.frames : 1;
      if (!running || progress >= 1) {
        running = undefined;
        drawInto(g, currentScene, now, index);
      } else {
        const p = ease(Math.max(0, progress));
        if (running.kind === "fade") {
          drawInto(g, running.from, now, index);
          drawInto(gi, currentScene, now, index);
          g.globalAlpha = p;
          g.drawImage(incoming, 0, 0);
          g.globalAlpha = 1;
        } else {
          // Slide: the new scene pushes the old one out to the left.
          const offset = Math.round(width * p);
          drawInto(gi, running.from, now, index);
          g.drawImage(incoming, -offset, 0);
          drawInto(gi, currentScene, now, index);
          g.drawImage(incoming, width - offset, 0);
        }
      }
      stats.endFrame();
      for (const kind of drewNow) if (!failedNow.has(kind)) failing.delete(kind);
      drewNow.clear();
      failedNow.clear();
      // Every frame is opaque (backgrounds are), so Skia's premultiplied bytes are straight RGBA.
      const data = canvas.data();
      lent = data.buffer as ArrayBuffer; // a Node Buffer's memory, never shared
      return { rgba: new Uint8Array(lent, data.byteOffset, data.byteLength), index };
    },
  };
}

/** The compositor's `snapshot`: the last frame of `canvas`, scaled and encoded. */
function snapshotter(canvas: Canvas) {
  const { width, height } = canvas;
  let kept: Canvas | undefined;
  let snapshotting = false;
  return async ({ width: w, type, quality }: SnapshotOptions) => {
    const h = Math.max(1, Math.round((height * w) / width));
    // One canvas kept for the usual caller (one snapshot at a time): a new native
    // surface per snapshot is memory the process faults in again and again.
    const reuse = !snapshotting && kept?.width === w && kept.height === h;
    const small = reuse ? kept! : createCanvas(w, h);
    if (!snapshotting) kept = small;
    snapshotting = true;
    try {
      small.getContext("2d").drawImage(canvas, 0, 0, w, h);
      // encode's overloads want a literal type; both branches are the same call.
      const bytes = type === "webp"
        ? await small.encode("webp", quality)
        : await small.encode("jpeg", quality);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } finally {
      if (small === kept) snapshotting = false;
    }
  };
}

/** Smoothstep: transitions start and end gently. */
function ease(t: number): number {
  return t * t * (3 - 2 * t);
}
