/**
 * The artwork widget: the lot's image fitted without distortion, resampled once
 * with Skia's high-quality filter into a cached canvas (redone only when the
 * box, the image or its file changes), with the title and artist on a scrim.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import { createLayers, defineWidget, ellipsize, font, theme } from "../compositor/mod.ts";
import type {} from "../auction/mod.ts";
import type { Assets, Box } from "../compositor/mod.ts";

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

interface ArtworkState {
  catalogue: Catalogue;
  assets: Assets;
  item: ItemShape | null;
  cached?: { key: string; canvas: Canvas; x: number; y: number; margin: number };
  layers: ReturnType<typeof createLayers>;
}

const config = z.object({
  /** Shown until the auction names its item (a path in the assets folder). */
  src: z.string().max(300).default(""),
  title: z.string().max(200).default(""),
  artist: z.string().max(200).default(""),
});
type ArtworkConfig = z.output<typeof config>;

/** The plugin's config: what the operator knows about each lot. */
export const artworkSettings = z.object({
  /** By the auction's item name: the image (a path in the assets folder), title and artist. */
  items: z.record(
    z.string(),
    z.object({
      image: z.string().optional(),
      title: z.string().optional(),
      artist: z.string().optional(),
    }),
  ).default({}),
});

export const artwork = defineWidget({
  kind: "artwork",
  config,
  settings: artworkSettings,
  state: {
    init: ({ settings, assets }): ArtworkState => ({
      catalogue: settings.items,
      assets,
      item: null,
      layers: createLayers(),
    }),
    on: {
      "auction.updated": (st, e) => {
        st.item = resolveItem(e.payload.item, st.catalogue) ?? st.item;
      },
    },
  },
  // The whole piece (image, shadow, scrim, captions) is one blit until the lot or its file changes.
  draw(g, box, st, { config: c }) {
    const { item } = st;
    const src = item?.image ?? c.src;
    const version = src ? st.assets.get(src)?.version ?? 0 : 0;
    const key = `${src}#${version}|${item?.title ?? item?.name}|${item?.artist}|` +
      `${c.title}|${c.artist}`;
    st.layers(g, box, key, (g) => paint(g, box, st, c));
  },
});

function paint(g: SKRSContext2D, box: Box, st: ArtworkState, c: ArtworkConfig) {
  const { item } = st;
  const s = box.scale;
  const src = item?.image ?? c.src;
  const title = item?.title ?? item?.name ?? c.title;
  const artist = item?.artist ?? c.artist;
  const asset = src ? st.assets.get(src) : undefined;
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
  if (st.cached?.key !== key) {
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
    st.cached = {
      key,
      canvas,
      x: Math.round((box.width - w) / 2),
      y: Math.round((box.height - h) / 2),
      margin,
    };
  }
  const x = box.x + st.cached.x;
  const y = box.y + st.cached.y;
  g.drawImage(st.cached.canvas, x - st.cached.margin, y - st.cached.margin);
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
}
