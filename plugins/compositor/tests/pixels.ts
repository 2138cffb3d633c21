/**
 * Pixel helpers for golden tests: decode a PNG, compare two RGBA buffers with
 * a tolerance (a pixel differs when any channel is off by more than `channel`).
 */
import { createCanvas, Image } from "@napi-rs/canvas";

export async function decodePng(
  bytes: Uint8Array,
): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const image = new Image();
  image.src = bytes as unknown as Buffer;
  await image.decode();
  const canvas = createCanvas(image.width, image.height);
  canvas.getContext("2d").drawImage(image, 0, 0);
  const data = canvas.data();
  return {
    width: image.width,
    height: image.height,
    rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Fraction of pixels (within `region`, default all) that differ by more than `channel`. */
export function diffRatio(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  channel = 16,
  region: Region = { x: 0, y: 0, width, height },
): number {
  let differing = 0;
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      const i = (y * width + x) * 4;
      if (
        Math.abs(a[i] - b[i]) > channel || Math.abs(a[i + 1] - b[i + 1]) > channel ||
        Math.abs(a[i + 2] - b[i + 2]) > channel
      ) differing++;
    }
  }
  return differing / (region.width * region.height);
}
