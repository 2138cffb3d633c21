/**
 * Draws one scene into a context: the cached background, then each quadrant
 * (clipped to its bounds, items by z), then the overlay. Layout is computed
 * once per scene and size; an item's props are checked against its widget's
 * config once per registry change; only the widgets run per frame. An item
 * whose config does not check, or whose draw throws, is a red box with the
 * error in its slot.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import type { Background, Scene, SceneItem } from "../../scenes/scene.ts";
import { QUADRANTS } from "../../scenes/scene.ts";
import type { Assets } from "./assets.ts";
import { wrapText } from "./draw.ts";
import { font } from "./theme.ts";
import type { Box } from "./widgets.ts";
import type { Configured, FrameClock, WidgetRegistry } from "./widget_registry.ts";

interface PlacedItem {
  item: SceneItem;
  box: Box;
  /** `quadrants.topRight.items[1]`, as the scene file has it. */
  path: string;
  checked?: { version: number; result: Configured };
}

/** An item's props do not fit its widget's config schema. */
class ItemConfigError extends Error {}

interface PlacedRegion {
  clip: Box;
  items: PlacedItem[];
}

export interface SceneRenderer {
  scene: Scene;
  draw(g: SKRSContext2D, now: Temporal.Instant, frame: number): void;
}

/** What the renderer tells its owner about the widgets, frame by frame. */
export interface DrawReport {
  /** The scene names a widget nobody registered. */
  missing(kind: string): void;
  /** A widget's draw threw; the frame goes on without that item. */
  failed(kind: string, error: unknown): void;
  /** A widget drew, taking `ms` (the recording of its draw calls). */
  drew(kind: string, ms: number): void;
}

/** Each item's config checked against its registered widget: the problems, naming scene, item, field. */
export function sceneConfigProblems(scene: Scene, widgets: WidgetRegistry): string[] {
  const items = [
    ...QUADRANTS.flatMap((q) =>
      scene.quadrants[q].items.map((item, i) => ({ item, path: `quadrants.${q}.items[${i}]` }))
    ),
    ...scene.overlay.items.map((item, i) => ({ item, path: `overlay.items[${i}]` })),
  ];
  return items.flatMap(({ item, path }) => {
    const result = widgets.get(item.widget)?.configure(item.props);
    return (result?.problems ?? []).map((p) =>
      `scene ${scene.name}: ${path} (${item.widget}): ${p}`
    );
  });
}

export function createSceneRenderer(
  scene: Scene,
  size: { width: number; height: number },
  widgets: WidgetRegistry,
  assets: Assets,
  report: DrawReport,
): SceneRenderer {
  const { width, height } = size;
  const scale = height / 720;
  const place = (items: SceneItem[], inner: Box, at: string): PlacedItem[] =>
    items.map((item, i) => ({ item, path: `${at}.items[${i}]` })).sort((a, b) =>
      a.item.z - b.item.z
    ).map(({ item, path }) => ({
      item,
      path,
      box: {
        x: Math.round(inner.x + item.at[0] * inner.width),
        y: Math.round(inner.y + item.at[1] * inner.height),
        width: Math.round(item.at[2] * inner.width),
        height: Math.round(item.at[3] * inner.height),
        scale,
      },
    }));

  const regions: PlacedRegion[] = QUADRANTS.map((name) => {
    const q = scene.quadrants[name];
    const [fx, fy, fw, fh] = q.bounds;
    const clip = {
      x: Math.round(fx * width),
      y: Math.round(fy * height),
      width: Math.round(fw * width),
      height: Math.round(fh * height),
      scale,
    };
    const pad = q.padding * scale;
    const inner = {
      x: clip.x + pad,
      y: clip.y + pad,
      width: Math.max(1, clip.width - 2 * pad),
      height: Math.max(1, clip.height - 2 * pad),
      scale,
    };
    return { clip, items: place(q.items, inner, `quadrants.${name}`) };
  });
  const full = { x: 0, y: 0, width, height, scale };
  const overlay: PlacedRegion = { clip: full, items: place(scene.overlay.items, full, "overlay") };
  const clock: FrameClock = {
    now: Temporal.Instant.fromEpochMilliseconds(0),
    index: 0,
    scene: scene.name,
  };
  const configure = (
    placed: PlacedItem,
    configure: (props: Record<string, unknown>) => Configured,
  ) => {
    const version = widgets.version();
    if (placed.checked?.version !== version) {
      placed.checked = { version, result: configure(placed.item.props) };
    }
    return placed.checked.result;
  };

  let background: Canvas | undefined;
  let backgroundVersion = -1;

  const drawBackground = (g: SKRSContext2D) => {
    const version = scene.background.kind === "image"
      ? assets.get(scene.background.src)?.version ?? 0
      : 0;
    if (!background || version !== backgroundVersion) {
      background = paintBackground(scene.background, width, height, assets);
      backgroundVersion = version;
    }
    g.drawImage(background, 0, 0);
  };

  const drawRegion = (
    g: SKRSContext2D,
    region: PlacedRegion,
    now: Temporal.Instant,
    frame: number,
  ) => {
    if (!region.items.length) return;
    g.save();
    g.beginPath();
    g.rect(region.clip.x, region.clip.y, region.clip.width, region.clip.height);
    g.clip();
    clock.now = now;
    clock.index = frame;
    for (const placed of region.items) {
      const { item, box } = placed;
      const entry = widgets.get(item.widget);
      if (!entry) {
        report.missing(item.widget);
        continue;
      }
      const t = performance.now();
      g.save();
      try {
        const checked = configure(placed, entry.configure);
        if (checked.problems) {
          throw new ItemConfigError(
            checked.problems.map((p) =>
              `scene ${scene.name}: ${placed.path} (${item.widget}): ${p}`
            ).join("; "),
          );
        }
        entry.draw(g, box, checked.config, clock);
        report.drew(item.widget, performance.now() - t);
      } catch (error) {
        // One broken widget must not take the show (or the engine) down with it: its slot
        // shows why, drawn with the state it left behind undone.
        report.failed(item.widget, error);
        g.restore();
        g.save();
        try {
          errorBox(g, box, item.widget, error);
        } catch { /* the box is a courtesy; the frame goes on without it */ }
      } finally {
        g.restore();
      }
    }
    g.restore();
  };

  return {
    scene,
    draw(g, now, frame) {
      drawBackground(g);
      for (const region of regions) drawRegion(g, region, now, frame);
      drawRegion(g, overlay, now, frame);
    },
  };
}

/** A widget's slot when it cannot draw: a red frame and its error, so it is seen and fixed. */
export function errorBox(g: SKRSContext2D, box: Box, kind: string, error: unknown): void {
  const s = box.scale;
  g.fillStyle = "rgba(170,20,20,0.85)";
  g.fillRect(box.x, box.y, box.width, box.height);
  g.lineWidth = Math.max(2, 2 * s);
  g.strokeStyle = "#ff3030";
  g.strokeRect(
    box.x + g.lineWidth / 2,
    box.y + g.lineWidth / 2,
    box.width - g.lineWidth,
    box.height - g.lineWidth,
  );
  const pad = 8 * s;
  const lineH = 16 * s;
  const message = error instanceof Error ? error.message : String(error);
  g.fillStyle = "#ffffff";
  g.textAlign = "left";
  g.textBaseline = "top";
  g.font = font(700, 13, s);
  g.fillText(`${kind} failed`, box.x + pad, box.y + pad, Math.max(1, box.width - 2 * pad));
  g.font = font(500, 12, s);
  const lines = Math.max(0, Math.floor((box.height - 2 * pad - lineH) / lineH));
  if (lines < 1) return;
  for (
    const [i, line] of wrapText(g, message.slice(0, 600), box.width - 2 * pad, lines).entries()
  ) {
    g.fillText(line, box.x + pad, box.y + pad + lineH * (i + 1));
  }
}

/** Paints a background once into its own canvas; always opaque. */
function paintBackground(bg: Background, width: number, height: number, assets: Assets): Canvas {
  const canvas = createCanvas(width, height);
  const g = canvas.getContext("2d");
  if (bg.kind === "color") {
    g.fillStyle = bg.color;
    g.fillRect(0, 0, width, height);
  } else if (bg.kind === "gradient") {
    // CSS angles: 0deg points up, 90deg right; the line spans the box's projection.
    const rad = (bg.angle * Math.PI) / 180;
    const dx = Math.sin(rad);
    const dy = -Math.cos(rad);
    const half = (Math.abs(width * dx) + Math.abs(height * dy)) / 2;
    const cx = width / 2;
    const cy = height / 2;
    const gradient = g.createLinearGradient(
      cx - dx * half,
      cy - dy * half,
      cx + dx * half,
      cy + dy * half,
    );
    for (const [at, colour] of bg.stops) gradient.addColorStop(at, colour);
    g.fillStyle = "#000000";
    g.fillRect(0, 0, width, height);
    g.fillStyle = gradient;
    g.fillRect(0, 0, width, height);
  } else {
    g.fillStyle = bg.color;
    g.fillRect(0, 0, width, height);
    const image = assets.get(bg.src)?.image;
    if (image) {
      // Cover: fill the frame, crop the overflow, keep the aspect.
      const k = Math.max(width / image.width, height / image.height);
      const w = image.width * k;
      const h = image.height * k;
      g.imageSmoothingQuality = "high";
      g.drawImage(image, (width - w) / 2, (height - h) / 2, w, h);
      if (bg.dim > 0) {
        g.fillStyle = `rgba(0,0,0,${bg.dim})`;
        g.fillRect(0, 0, width, height);
      }
    }
  }
  return canvas;
}
