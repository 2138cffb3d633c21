/**
 * The artwork widget: the lot's image fitted without distortion, resampled once
 * with Skia's high-quality filter into a cached canvas (redone only when the
 * box, the image or its file changes), with the title and artist on a scrim.
 */
import { type Canvas, createCanvas } from "@napi-rs/canvas";
import type { Bus } from "../../core/bus.ts";
import { createLayers, ellipsize, font, theme } from "../compositor/mod.ts";
import type {} from "../auction/mod.ts";
import type { Assets, DrawWidget } from "../compositor/mod.ts";

/** What the widget draws of a lot; a path inside the assets folder for `image`, e.g. `nft/sample.png`. */
export interface ItemShape {
  title?: string;
  name?: string;
  artist?: string;
  image?: string;
  collection?: string;
  tokenId?: string;
}

/** What the operator knows about each lot, by the auction's item name. */
export type Catalogue = Record<string, ItemShape>;

const IMAGE_FILE = /\.(png|jpe?g|webp|gif)$/i;

/** The item as the widget draws it: the catalogue entry, else what the name says. */
/** The auction names its item; a richer shape (another source's, a preview's) is drawn as given. */
export function resolveItem(
  item: string | ItemShape | null | undefined,
  catalogue: Catalogue,
): ItemShape | null {
  if (item === null || item === undefined) return null;
  if (typeof item !== "string") return item;
  const known = catalogue[item];
  if (known) return { title: item, ...known };
  return IMAGE_FILE.test(item) ? { image: item } : { title: item };
}

export function createArtworkWidget(
  bus: Bus,
  assets: Assets,
  catalogue: Catalogue = {},
): { draw: DrawWidget; stop(): void } {
  let item: ItemShape | null = null;
  const off = bus.on("auction.updated", (e) => {
    item = resolveItem(e.payload.item, catalogue) ?? item;
  });
  let cached:
    | { key: string; canvas: Canvas; x: number; y: number; margin: number }
    | undefined;

  const paint: DrawWidget = ({ g, box, props }) => {
    const s = box.scale;
    const src = item?.image ?? (typeof props.src === "string" ? props.src : "");
    const title = item?.title ?? item?.name ?? (props.title as string | undefined) ?? "";
    const artist = item?.artist ?? (props.artist as string | undefined) ?? "";
    const asset = src ? assets.get(src) : undefined;
    if (!asset) {
      g.fillStyle = "#1a1c22";
      g.fillRect(box.x, box.y, box.width, box.height);
      return;
    }
    const { image, version } = asset;
    const k = Math.min(box.width / image.width, box.height / image.height);
    const w = Math.round(image.width * k);
    const h = Math.round(image.height * k);
    const key = `${src}#${version}@${w}x${h}`;
    if (cached?.key !== key) {
      // Resample once, with the drop shadow baked in: a blur per frame costs milliseconds.
      const margin = Math.ceil(40 * s);
      const canvas = createCanvas(w + 2 * margin, h + 2 * margin);
      const c = canvas.getContext("2d");
      c.shadowColor = "rgba(0,0,0,0.55)";
      c.shadowBlur = 24 * s;
      c.shadowOffsetY = 8 * s;
      c.fillStyle = "#000";
      c.fillRect(margin, margin, w, h);
      c.shadowColor = "rgba(0,0,0,0)";
      c.imageSmoothingEnabled = true;
      c.imageSmoothingQuality = "high";
      c.drawImage(image, margin, margin, w, h);
      cached = {
        key,
        canvas,
        x: Math.round((box.width - w) / 2),
        y: Math.round((box.height - h) / 2),
        margin,
      };
    }
    const x = box.x + cached.x;
    const y = box.y + cached.y;
    g.drawImage(cached.canvas, x - cached.margin, y - cached.margin);
    if (!title && !artist) return;
    const scrimH = Math.min(h, 96 * s);
    const scrim = g.createLinearGradient(0, y + h - scrimH, 0, y + h);
    scrim.addColorStop(0, "rgba(0,0,0,0)");
    scrim.addColorStop(1, "rgba(0,0,0,0.78)");
    g.fillStyle = scrim;
    g.fillRect(x, y + h - scrimH, w, scrimH);
    const pad = 18 * s;
    g.textBaseline = "alphabetic";
    g.textAlign = "left";
    g.font = font(700, 26, s);
    g.fillStyle = theme.ink;
    g.fillText(ellipsize(g, title, w - 2 * pad), x + pad, y + h - pad - 22 * s);
    g.font = font(500, 16, s);
    g.fillStyle = theme.gold;
    g.fillText(ellipsize(g, artist, w - 2 * pad), x + pad, y + h - pad);
  };
  // The whole piece (image, shadow, scrim, captions) is one blit until the lot or its file changes.
  const layers = createLayers();
  const draw: DrawWidget = (ctx) => {
    const src = item?.image ?? (typeof ctx.props.src === "string" ? ctx.props.src : "");
    const version = src ? assets.get(src)?.version ?? 0 : 0;
    const key = `${src}#${version}|${item?.title ?? item?.name}|${item?.artist}|` +
      `${String(ctx.props.title)}|${String(ctx.props.artist)}`;
    layers(ctx.g, ctx.box, key, (g) => paint({ ...ctx, g }));
  };
  return { draw, stop: off };
}
