/**
 * Small drawing helpers shared by widgets: cards, text that fits, wrapped
 * captions, ETH amounts formatted exactly from wei.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import { formatEther } from "viem";
import { font, theme } from "./theme.ts";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A rounded card: the panel every widget sits on. */
export function card(
  g: SKRSContext2D,
  r: Rect,
  scale: number,
  fill: string = theme.card,
  edge: string = theme.cardEdge,
) {
  g.beginPath();
  g.roundRect(r.x, r.y, r.width, r.height, theme.radius * scale);
  g.fillStyle = fill;
  g.fill();
  g.lineWidth = Math.max(1, scale);
  g.strokeStyle = edge;
  g.stroke();
}

/** A card's small spaced capitals (LATEST BIDS, TIME LEFT, …); alignment and baseline are the caller's. */
export function cardLabel(
  g: SKRSContext2D,
  text: string,
  x: number,
  y: number,
  scale: number,
  colour: string = theme.muted,
): void {
  g.font = font(600, 13, scale);
  g.letterSpacing = `${1.6 * scale}px`;
  g.fillStyle = colour;
  g.fillText(text, x, y);
  g.letterSpacing = "0px";
}

/** Draws `text` at the largest size ≤ `px` that fits `maxWidth`; returns the size used. */
export function fitText(
  g: SKRSContext2D,
  text: string,
  x: number,
  y: number,
  maxWidth: number,
  weight: number,
  px: number,
  family: string = theme.font,
): number {
  let size = px;
  g.font = `${weight} ${size}px ${family}`;
  const width = g.measureText(text).width;
  if (width > maxWidth && width > 0) {
    size = Math.max(6, Math.floor(px * maxWidth / width));
    g.font = `${weight} ${size}px ${family}`;
  }
  g.fillText(text, x, y);
  return size;
}

/** Cuts `text` with an ellipsis so it fits `maxWidth` at the current font. */
export function ellipsize(g: SKRSContext2D, text: string, maxWidth: number): string {
  if (g.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.measureText(text.slice(0, mid) + "…").width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}

/** Splits `text` into lines that fit `maxWidth` at the current font; at most `maxLines`. */
export function wrapText(
  g: SKRSContext2D,
  text: string,
  maxWidth: number,
  maxLines: number,
): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (g.measureText(next).width <= maxWidth || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = ellipsize(g, `${kept[maxLines - 1]} ${lines[maxLines]}`, maxWidth);
    return kept;
  }
  return lines;
}

/**
 * Wei as ETH, exact (no float): at most `maxDecimals` decimals, trailing zeros
 * dropped, digits beyond `maxDecimals` truncated and marked with `…`.
 */
export function formatEth(wei: bigint, maxDecimals = 4): string {
  const full = formatEther(wei);
  const [whole, decimals = ""] = full.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  if (!decimals) return `${grouped} ETH`;
  const kept = decimals.slice(0, maxDecimals).replace(/0+$/, "");
  const cut = decimals.length > maxDecimals && /[1-9]/.test(decimals.slice(maxDecimals));
  return `${grouped}${kept ? `.${kept}` : ""}${cut ? "…" : ""} ETH`;
}

/** Reads a bigint from the bus or a JSON sample (bigint, or a decimal string). */
export function toWei(value: unknown): bigint | null {
  if (typeof value === "bigint") return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  return null;
}

/**
 * Per-item bitmap caches: a widget paints into a layer only when its `key`
 * (everything its pixels depend on) changes, and otherwise blits the layer.
 * Paint code keeps using frame coordinates; the layer is translated to its box.
 */
export function createLayers() {
  const layers = new Map<string, { key: string; canvas: Canvas; g: SKRSContext2D }>();
  return (
    g: SKRSContext2D,
    box: Rect,
    key: string,
    paint: (g: SKRSContext2D) => void,
  ) => {
    const id = `${box.x},${box.y},${box.width},${box.height}`;
    let layer = layers.get(id);
    if (!layer) {
      const canvas = createCanvas(
        Math.max(1, Math.ceil(box.width)),
        Math.max(1, Math.ceil(box.height)),
      );
      layer = { key: "\u0000", canvas, g: canvas.getContext("2d") };
      layers.set(id, layer);
    }
    if (layer.key !== key) {
      const c = layer.g;
      c.setTransform(1, 0, 0, 1, 0, 0);
      c.clearRect(0, 0, layer.canvas.width, layer.canvas.height);
      c.save();
      c.translate(-box.x, -box.y);
      paint(c);
      c.restore();
      layer.key = key;
    }
    g.drawImage(layer.canvas, box.x, box.y);
  };
}
