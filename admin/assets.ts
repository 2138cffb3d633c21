/**
 * Uploaded assets (artwork, backgrounds) for the compositor's assets folder,
 * under its `uploads/`. What arrives is hostile until proven otherwise: the
 * size is bounded before anything is read in full, the type comes from the
 * bytes (PNG, JPEG, WebP; never the name or the header the client sent), SVG
 * is refused (it can carry scripts and outside references), the pixels are
 * bounded, and the image is decoded and re-encoded through the canvas, so what
 * is stored is only pixels Skia drew. The name is an allow-list (letters,
 * digits, dot, dash, underscore): a path (`../../etc/passwd`) is refused, and
 * the file is written beside a temporary one and renamed, inside the folder.
 */
import { createCanvas, Image } from "@napi-rs/canvas";

export type ImageType = "png" | "jpeg" | "webp";
export const MAX_ASSET_BYTES = 8 * 1024 * 1024;
export const MAX_ASSET_PIXELS = 40_000_000;
const MAX_SIDE = 8192;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

export class AssetError extends Error {}

/** The image type the bytes say, "svg" for SVG (or anything that looks like markup), else null. */
export function sniff(bytes: Uint8Array): ImageType | "svg" | null {
  const at = (i: number, ...b: number[]) => b.every((v, j) => bytes[i + j] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (at(0, 0xff, 0xd8, 0xff)) return "jpeg";
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return "webp";
  const head = new TextDecoder().decode(bytes.subarray(0, 1024)).replace(/^\uFEFF/, "")
    .trimStart().toLowerCase();
  if (head.startsWith("<") || head.includes("<svg")) return "svg";
  return null;
}

/** `name` without its extension, checked; the extension comes from the bytes. */
export function assetName(name: string): string {
  const base = name.trim().replace(/\.(png|jpe?g|webp)$/i, "");
  if (!NAME.test(base)) {
    throw new AssetError(
      "name: letters, digits, '-' and '_' only (up to 80), no folder — e.g. genesis-1.png",
    );
  }
  return base;
}

export interface StoredAsset {
  /** Path inside the assets folder, as scenes name it: `uploads/<name>.<ext>`. */
  path: string;
  type: ImageType;
  width: number;
  height: number;
  bytes: number;
}

/** Checks, re-encodes and stores an upload; AssetError says what was wrong. */
export async function storeAsset(
  dir: string,
  name: string,
  bytes: Uint8Array,
): Promise<StoredAsset> {
  if (bytes.length > MAX_ASSET_BYTES) {
    throw new AssetError(`the file is ${bytes.length} bytes: at most ${MAX_ASSET_BYTES}`);
  }
  const base = assetName(name);
  const type = sniff(bytes);
  if (type === "svg") throw new AssetError("SVG is refused: upload a PNG, JPEG or WebP");
  if (!type) throw new AssetError("not a PNG, JPEG or WebP image (read from its bytes)");
  const image = new Image();
  image.src = bytes as unknown as Buffer;
  try {
    await image.decode();
  } catch {
    throw new AssetError(`the ${type.toUpperCase()} does not decode`);
  }
  const { width, height } = image;
  if (!width || !height) throw new AssetError(`the ${type.toUpperCase()} does not decode`);
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_ASSET_PIXELS) {
    throw new AssetError(`${width}×${height} is too large: at most ${MAX_SIDE} a side`);
  }
  const canvas = createCanvas(width, height);
  canvas.getContext("2d").drawImage(image, 0, 0);
  const encoded = type === "png"
    ? await canvas.encode("png")
    : type === "jpeg"
    ? await canvas.encode("jpeg", 90)
    : await canvas.encode("webp", 90);
  const ext = type === "jpeg" ? "jpg" : type;
  const folder = `${dir.replace(/\/$/, "")}/uploads`;
  await Deno.mkdir(folder, { recursive: true });
  const real = await Deno.realPath(folder);
  if (!real.startsWith(await Deno.realPath(dir))) {
    throw new AssetError("the uploads folder is outside the assets folder");
  }
  const file = `${real}/${base}.${ext}`;
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, encoded);
  await Deno.rename(tmp, file);
  return { path: `uploads/${base}.${ext}`, type, width, height, bytes: encoded.length };
}

export async function listAssets(dir: string): Promise<Array<{ path: string; bytes: number }>> {
  const out: Array<{ path: string; bytes: number }> = [];
  try {
    for await (const e of Deno.readDir(`${dir.replace(/\/$/, "")}/uploads`)) {
      if (!e.isFile || !/\.(png|jpg|webp)$/.test(e.name)) continue;
      const st = await Deno.stat(`${dir}/uploads/${e.name}`);
      out.push({ path: `uploads/${e.name}`, bytes: st.size });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** A stored upload's file name: what `storeAsset` writes, and nothing else. */
const UPLOAD_FILE = /^([A-Za-z0-9][A-Za-z0-9_-]{0,79})\.(png|jpg|webp)$/;

/** The bytes of a stored upload by its file name (allow-listed), or null. */
export async function readAsset(dir: string, file: string) {
  const m = UPLOAD_FILE.exec(file);
  if (!m) return null;
  try {
    const bytes = await Deno.readFile(`${dir.replace(/\/$/, "")}/uploads/${file}`);
    return { bytes, type: m[2] === "jpg" ? "image/jpeg" : `image/${m[2]}` };
  } catch {
    return null;
  }
}

/** Removes a stored upload, `uploads/<file>` (allow-listed); AssetError when it is not there. */
export async function deleteAsset(
  dir: string,
  path: string,
): Promise<{ path: string; bytes: number }> {
  const file = path.replace(/^uploads\//, "");
  if (!path.startsWith("uploads/") || !UPLOAD_FILE.test(file)) {
    throw new AssetError("path: an uploaded asset, e.g. uploads/genesis-1.png");
  }
  const full = `${dir.replace(/\/$/, "")}/uploads/${file}`;
  const st = await Deno.stat(full).catch(() => null);
  if (!st?.isFile) throw new AssetError(`path: no asset ${path}`);
  await Deno.remove(full);
  return { path, bytes: st.size };
}
