/**
 * Draws one scene into a context: the cached background, then each quadrant
 * (clipped to its bounds, items by z), then the overlay. Layout is computed
 * once per scene and size; only the widgets run per frame.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import type { Background, Scene, SceneItem } from "../../scenes/scene.ts";
import { QUADRANTS } from "../../scenes/scene.ts";
import type { Assets } from "./assets.ts";
import type { Box, DrawWidget } from "./widgets.ts";

interface PlacedItem {
  item: SceneItem;
  box: Box;
}

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

export function createSceneRenderer(
  scene: Scene,
  size: { width: number; height: number },
  widgets: Map<string, DrawWidget>,
  assets: Assets,
  report: DrawReport,
): SceneRenderer {
  const { width, height } = size;
  const scale = height / 720;
  const place = (items: SceneItem[], inner: Box): PlacedItem[] =>
    [...items].sort((a, b) => a.z - b.z).map((item) => ({
      item,
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
    return { clip, items: place(q.items, inner) };
  });
  const full = { x: 0, y: 0, width, height, scale };
  const overlay: PlacedRegion = { clip: full, items: place(scene.overlay.items, full) };

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
    for (const { item, box } of region.items) {
      const draw = widgets.get(item.widget);
      if (!draw) {
        report.missing(item.widget);
        continue;
      }
      const t = performance.now();
      g.save();
      try {
        draw({ g, box, props: item.props, now, frame, scene: scene.name });
        report.drew(item.widget, performance.now() - t);
      } catch (error) {
        // One broken widget must not take the show (or the engine) down with it.
        report.failed(item.widget, error);
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
