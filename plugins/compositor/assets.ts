/**
 * The assets cache: images from the assets folder, decoded once, looked up
 * synchronously on the frame path. A file whose mtime changes is reloaded in
 * the background (polled, so it works on every filesystem) and its version
 * bumps, so widgets that keep a resampled copy redo it.
 */
import { Image } from "@napi-rs/canvas";
import type { Scene } from "../../scenes/scene.ts";

const IMAGE_FILE = /\.(png|jpe?g|webp|gif)$/i;

export interface Asset {
  image: Image;
  /** Bumps each time the file is reloaded. */
  version: number;
}

export interface Assets {
  dir: string;
  /** The image if loaded; otherwise starts loading it and returns undefined. */
  get(path: string): Asset | undefined;
  /** Loads (or reloads) now. Resolves undefined when the file is missing or unreadable. */
  load(path: string): Promise<Asset | undefined>;
  /** Checks every known file's mtime now; resolves once changed ones are reloaded. */
  refresh(): Promise<void>;
  close(): void;
}

interface Entry {
  asset?: Asset;
  mtime?: number;
  loading?: Promise<Asset | undefined>;
  missing?: boolean;
}

export function createAssets(
  dir: string,
  options: { watchMs?: number; onError?: (path: string, error: unknown) => void } = {},
): Assets {
  const base = dir.replace(/\/$/, "");
  const entries = new Map<string, Entry>();
  const resolve = (path: string) => {
    if (path.startsWith("/") || path.split("/").includes("..")) {
      throw new Error(`asset path must stay inside the assets folder: ${path}`);
    }
    return `${base}/${path}`;
  };

  const load = (path: string): Promise<Asset | undefined> => {
    let entry = entries.get(path);
    if (!entry) entries.set(path, entry = {});
    if (entry.loading) return entry.loading;
    const e = entry;
    e.loading = (async () => {
      try {
        const file = resolve(path);
        const stat = await Deno.stat(file);
        const bytes = await Deno.readFile(file);
        const image = new Image();
        image.src = bytes as unknown as Buffer;
        // Setting src starts a decode on a worker; wait for it (a pending one
        // crashes Deno at exit, and the frame path wants it finished anyway).
        await image.decode();
        if (!image.width) throw new Error("not a decodable image");
        e.asset = { image, version: (e.asset?.version ?? 0) + 1 };
        e.mtime = stat.mtime?.getTime() ?? 0;
        e.missing = false;
        return e.asset;
      } catch (error) {
        if (!e.missing) options.onError?.(path, error);
        e.missing = true;
        return e.asset;
      } finally {
        e.loading = undefined;
      }
    })();
    return e.loading;
  };

  const refresh = async () => {
    await Promise.all([...entries].map(async ([path, entry]) => {
      try {
        const stat = await Deno.stat(resolve(path));
        const mtime = stat.mtime?.getTime() ?? 0;
        if (entry.missing || mtime !== entry.mtime) await load(path);
      } catch {
        // Gone: keep showing the last good image rather than a hole.
      }
    }));
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  let refreshing = false;
  if (options.watchMs) {
    timer = setInterval(() => {
      if (refreshing) return;
      refreshing = true;
      refresh().finally(() => refreshing = false);
    }, options.watchMs);
  }

  return {
    dir: base,
    get(path) {
      const entry = entries.get(path);
      if (!entry) {
        load(path);
        return undefined;
      }
      return entry.asset;
    },
    load,
    refresh,
    close: () => clearInterval(timer),
  };
}

/** Loads every image a scene names (background, items' image props), so its frames are complete. */
export function preloadScene(scene: Scene, assets: Assets): Promise<unknown> {
  return Promise.all([
    scene.background.kind === "image" ? assets.load(scene.background.src) : undefined,
    ...Object.values(scene.quadrants).flatMap((q) => q.items).concat(scene.overlay.items)
      .flatMap((item) => Object.values(item.props))
      .map((v) => typeof v === "string" && IMAGE_FILE.test(v) ? assets.load(v) : undefined),
  ]);
}

/** Every scene's images, before the first frame. */
export async function preloadImages(scenes: Iterable<Scene>, assets: Assets): Promise<void> {
  await Promise.all([...scenes].map((scene) => preloadScene(scene, assets)));
}
