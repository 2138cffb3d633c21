/**
 * The lot's image for the public pages, on the leader and on a standby. `GET /artwork/<item>`
 * serves only an image the catalogue (or the item itself) names: a path inside the assets
 * folder (no absolute path, no `..`), `png`/`jpg`/`jpeg`/`webp`, at most 8 MiB. The leader
 * reads the file and mirrors it into `artwork_images` (the catalogue's images at start, the
 * lot's on each `auction.updated`, any it serves): a standby has the database and nothing else
 * (it may run on another machine), so it serves the mirror — the same bytes, under the same
 * checks. The standby keeps what it read for a few seconds, so a crowd costs one cheap query.
 */
import type { Context, Hono } from "hono";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { publicHeaders } from "../auction/mod.ts";
import { type Catalogue, resolveItem } from "./artwork.ts";

export const IMAGE = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_./-]{1,200}\.(png|jpe?g|webp)$/;
const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
};
/** As large as the panel's upload takes (admin/assets.ts): a larger file is not served. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

export interface Image {
  bytes: Uint8Array<ArrayBuffer>;
  type: string;
}

/** The image at `image` in the assets folder `dir`, or null (not allowed, absent, too large). */
export async function readImage(dir: string, image: string): Promise<Image | null> {
  if (!IMAGE.test(image)) return null;
  const path = `${dir.replace(/\/$/, "")}/${image}`;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile || info.size > MAX_IMAGE_BYTES) return null;
    const bytes = await Deno.readFile(path);
    if (bytes.length > MAX_IMAGE_BYTES) return null;
    return { bytes, type: TYPES[image.split(".").at(-1)!.toLowerCase()] };
  } catch {
    return null;
  }
}

/** `GET /artwork/:item`, answered by `find` (the file on the leader, the mirror on a standby). */
export function mountImageRoute(
  http: Hono,
  items: Catalogue,
  find: (image: string) => Promise<Image | null>,
) {
  const none = (c: Context) => c.text("no image for this lot", 404);
  http.get("/artwork/:item", async (c) => {
    const image = resolveItem(c.req.param("item").slice(0, 200), items)?.image;
    if (!image || !IMAGE.test(image)) return none(c);
    const found = await find(image);
    if (!found) return none(c);
    publicHeaders(c);
    return c.body(found.bytes, 200, {
      "content-type": found.type,
      "cache-control": "public, max-age=300",
    });
  });
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The leader's side: `mirror(image)` copies the file into `artwork_images` when it changed
 * (by size and modification time; the row only when the bytes differ). A failure is logged,
 * never thrown: the leader's own serving does not depend on the mirror. `idle()` waits for the
 * copies under way (the teardown's, before the database closes).
 */
export function imageMirror(db: Db, dir: () => string, log: Log) {
  const seen = new Map<string, string>();
  const pending = new Set<Promise<void>>();
  const copy = async (image: string) => {
    if (!IMAGE.test(image)) return;
    try {
      const info = await Deno.stat(`${dir().replace(/\/$/, "")}/${image}`).catch(() => null);
      const mark = info ? `${info.size}:${info.mtime?.getTime()}` : "";
      if (!info || seen.get(image) === mark) return;
      const found = await readImage(dir(), image);
      if (!found) return;
      const hash = await sha256(found.bytes);
      await db.query(
        `insert into artwork_images (image, content_type, sha256, data)
         values ($1, $2, $3, $4)
         on conflict (image) do update
           set content_type = excluded.content_type, sha256 = excluded.sha256,
               data = excluded.data, stored_at = now()
         where artwork_images.sha256 <> excluded.sha256`,
        [image, found.type, hash, base64(found.bytes)],
      );
      seen.set(image, mark);
    } catch (error) {
      log.warn("lot image not mirrored for standbys", { image, error });
    }
  };
  return {
    mirror(image: string): Promise<void> {
      const p = copy(image).finally(() => pending.delete(p));
      pending.add(p);
      return p;
    },
    idle: () => Promise.all([...pending]).then(() => {}),
  };
}

const base64 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
};
const unbase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/**
 * The standby's side: an image from the mirror. What was read is kept `keepMs`; after that a
 * query of its hash says whether to read the bytes again. Bounded to the images asked for
 * (at most `limit`, the oldest dropped).
 */
export function mirroredImages(db: Db, keepMs = 5000, limit = 64) {
  const kept = new Map<string, { at: number; sha: string; image: Image | null }>();
  return async (image: string): Promise<Image | null> => {
    const now = performance.now();
    const had = kept.get(image);
    if (had && now - had.at < keepMs) return had.image;
    try {
      const [row] = await db.query<{ sha256: string }>(
        "select sha256 from artwork_images where image = $1",
        [image],
      );
      let found: Image | null = null;
      if (row && had?.sha === row.sha256) found = had.image;
      else if (row) {
        const [full] = await db.query<{ content_type: string; data: string }>(
          "select content_type, data from artwork_images where image = $1",
          [image],
        );
        found = full ? { type: full.content_type, bytes: unbase64(full.data) } : null;
      }
      kept.delete(image);
      kept.set(image, { at: now, sha: row?.sha256 ?? "", image: found });
      if (kept.size > limit) kept.delete(kept.keys().next().value!);
      return found;
    } catch {
      // No table yet (the leader has not migrated), or the database away: no image, not a 500.
      return had?.image ?? null;
    }
  };
}
