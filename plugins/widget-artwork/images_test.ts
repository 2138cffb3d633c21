/**
 * The lot's image, file and mirror: only an allowed path inside the folder is read (hostile
 * paths, a folder named like an image, a file over the bound are none); the leader's mirror
 * holds the file's bytes and follows a change; a standby reads them back byte for byte, and
 * answers none (not a throw) without the table or the row. On PGlite, the embedded database.
 */
import { assert, assertEquals } from "../../core/testing.ts";
import { openDb } from "../../core/db.ts";
import { migrate, readMigrations } from "../../core/migrate.ts";
import { createLog } from "../../core/log.ts";
import { tempDir } from "../../tests/services.ts";
import { imageMirror, MAX_IMAGE_BYTES, mirroredImages, readImage } from "./images.ts";

const quiet = createLog("test", { write: () => {} });

Deno.test("lot images: an allowed file is read; hostile paths, folders and huge files are not", async () => {
  const dir = tempDir();
  try {
    Deno.mkdirSync(`${dir.path}/nft/folder.png`, { recursive: true });
    Deno.writeFileSync(`${dir.path}/nft/a.png`, new Uint8Array([1, 2, 3]));
    Deno.writeFileSync(`${dir.path}/nft/b.JPG`, new Uint8Array([4]));
    Deno.writeFileSync(`${dir.path}/huge.png`, new Uint8Array(MAX_IMAGE_BYTES + 1));
    Deno.writeFileSync(`${dir.path}/page.svg`, new TextEncoder().encode("<svg/>"));
    const a = await readImage(dir.path, "nft/a.png");
    assertEquals(a, { bytes: new Uint8Array([1, 2, 3]), type: "image/png" });
    for (
      const hostile of [
        "../a.png",
        "nft/../nft/a.png",
        `${dir.path}/nft/a.png`,
        "/etc/passwd.png",
        "nft/folder.png",
        "huge.png",
        "page.svg",
        "nft/missing.png",
        "nft/a.png\u0000.png",
        "nft/b.JPG", // the allow-list is lower-case extensions
        "",
      ]
    ) {
      assertEquals(await readImage(dir.path, hostile), null, hostile);
    }
  } finally {
    dir.remove();
  }
});

Deno.test("lot images: the leader's mirror holds the file's bytes and follows a change; a standby reads them", async () => {
  const dir = tempDir();
  const db = await openDb({ dataDir: `${dir.path}/db` });
  const bare = await openDb({ dataDir: `${dir.path}/bare` });
  try {
    await migrate(
      db,
      "widget-artwork",
      await readMigrations(new URL("./migrations/", import.meta.url)),
    );
    const assets = `${dir.path}/assets`;
    Deno.mkdirSync(assets);
    const first = crypto.getRandomValues(new Uint8Array(60_000));
    Deno.writeFileSync(`${assets}/lot.webp`, first);
    const { mirror } = imageMirror(db, () => assets, quiet);
    const standby = mirroredImages(db, 0);
    assertEquals(await standby("lot.webp"), null, "nothing mirrored yet");
    await mirror("lot.webp");
    assertEquals(await standby("lot.webp"), { bytes: first, type: "image/webp" });
    // Changed on disk (another size): the mirror follows, the standby reads the new bytes.
    const second = crypto.getRandomValues(new Uint8Array(40_000));
    Deno.writeFileSync(`${assets}/lot.webp`, second);
    await mirror("lot.webp");
    assertEquals((await standby("lot.webp"))?.bytes, second);
    // Hostile names are never mirrored nor asked of the database.
    await mirror("../lot.webp");
    await mirror("/etc/passwd.png");
    const rows = await db.query<{ image: string }>("select image from artwork_images");
    assertEquals(rows.map((r) => r.image), ["lot.webp"]);
    // A standby whose database has no table yet (the leader has not migrated): none, no throw.
    assertEquals(await mirroredImages(bare)("lot.webp"), null);
    // What a standby read is kept a while: a crowd costs no query of the bytes each.
    const kept = mirroredImages(db, 60_000);
    const once = await kept("lot.webp");
    await db.query("delete from artwork_images");
    assert((await kept("lot.webp")) === once, "kept for keepMs");
  } finally {
    await db.close();
    await bare.close();
    dir.remove();
  }
});
