/// <reference lib="dom" />
/**
 * The scene editor in headless Chromium, on a copy of the project's scenes: a
 * scene previewed by the real compositor (a PNG drawn in its own process), an
 * edit (the background) previewed differently, a bad edit refused with the
 * field named, the save written as the scene file (audited with before and
 * after) and drawn by the running show's next frame without a restart, the
 * last save undone (and drawn); an unknown scene name (a path) refused; a
 * viewer cannot save.
 */
import assert from "node:assert/strict";
import {
  ARTIFACTS,
  chromiumReady,
  httpRequest,
  launchChromium,
  panelEngine,
  sessionHeaders,
  signedInPage,
} from "./panel_kit.ts";
import { decodePng } from "../../plugins/compositor/tests/pixels.ts";

const ready = await chromiumReady();
const SCENES = new URL("../../scenes/", import.meta.url).pathname;

Deno.test({
  name: "scenes: previewed by the real compositor, a bad field named, saved, audited, undone",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sothebais-scenes-" });
    for (const e of Deno.readDirSync(SCENES)) {
      if (e.isFile && e.name.endsWith(".json")) {
        Deno.copyFileSync(`${SCENES}${e.name}`, `${dir}/${e.name}`);
      }
    }
    const original = Deno.readTextFileSync(`${dir}/live.json`);
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock" },
        // The running show, on the same folder: a save is on show without a restart.
        compositor: { scenesDir: dir, initialScene: "live", width: 320, height: 180, fps: 5 },
      },
      admin: { scenesDir: dir, assetsDir: `${SCENES}assets` },
    });
    const browser = await launchChromium();
    try {
      const { page } = await signedInPage(
        browser,
        engine,
        { name: "ada", role: "admin" },
        "/admin/scenes",
        { width: 1440, height: 1000 },
      );
      // The form first: the quadrants with their widgets, from the file.
      await page.waitForSelector(
        '[data-quadrant="topLeft"] [data-item="quadrants.topLeft.items.0"]',
      );
      assert.equal(await page.inputValue("#f-quadrants-topLeft-items-0-widget"), "artwork");
      assert.equal(await page.inputValue("#f-background-kind"), "gradient");
      // A new picture: the page drops the old one when a preview starts (a click's re-render
      // comes after the click returns, so the button alone cannot tell it has started).
      const previewSrc = async () => {
        await page.click("#scene-preview-button");
        await page.waitForSelector("#scene-preview", { state: "detached", timeout: 10_000 });
        await page.waitForFunction(
          () =>
            (document.getElementById("scene-preview") as HTMLImageElement | null)?.naturalWidth ===
              640,
          undefined,
          { timeout: 90_000 },
        );
        return (await page.getAttribute("#scene-preview", "src"))!;
      };
      const first = await previewSrc();
      assert.match(first, /^data:image\/png;base64,/);

      // An edit shows in the next preview; the file is not touched until saved.
      // Edited in the form: a bad colour named and marked, then the background and a z-order.
      const scene = JSON.parse(original);
      scene.background = { kind: "color", color: "#3a7d44" };
      scene.quadrants.topLeft.items[0].z = 5;
      await page.selectOption("#f-background-kind", "color");
      await page.fill("#f-background-color", "red");
      await page.waitForSelector("#scene-problems");
      assert.match(
        (await page.textContent("#scene-problems"))!,
        /^scene: background\.color: a colour/,
      );
      assert.equal(await page.getAttribute("#f-background-color", "aria-invalid"), "true");
      await page.fill("#f-background-color", "#3a7d44");
      await page.fill("#f-quadrants-topLeft-items-0-z", "5");
      await page.waitForFunction(() => !document.getElementById("scene-problems"));
      await page.screenshot({ path: `${ARTIFACTS}scenes-form.png`, fullPage: true });
      await page.click("#scene-tab-json");
      assert.deepEqual(
        JSON.parse(await page.inputValue("#scene-json")),
        scene,
        "the form wrote the JSON",
      );
      const second = await previewSrc();
      assert.notEqual(second, first);
      const green = await page.evaluate(() => {
        const img = document.getElementById("scene-preview") as HTMLImageElement;
        const c = document.createElement("canvas");
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const g = c.getContext("2d")!;
        g.drawImage(img, 0, 0);
        return [...g.getImageData(2, 2, 1, 1).data.slice(0, 3)];
      });
      assert.deepEqual(green, [0x3a, 0x7d, 0x44], "the corner is the new background");
      assert.equal(Deno.readTextFileSync(`${dir}/live.json`), original);

      // A bad field is named.
      await page.fill("#scene-json", JSON.stringify({ ...scene, background: { kind: "nope" } }));
      await page.click("#scene-preview-button");
      await page.waitForSelector("#scene-problems");
      assert.match((await page.textContent("#scene-problems"))!, /^scene: background/);

      // Save, audited; then undo.
      await page.fill("#scene-json", JSON.stringify(scene, null, 2));
      await page.fill("#scene-reason", "greener for the spring show");
      await page.click("#scene-save");
      await page.waitForSelector("#scene-notice");
      assert.equal(
        await page.textContent("#scene-notice"),
        "Saved live.json: the show draws it from the next frame.",
      );
      // The next frame of the running show (5 fps: within 200 ms, one more for the PNG's slot).
      const frameCorner = async () => {
        const png = new Uint8Array(
          await (await fetch(`${engine.url}/compositor/frame.png`)).arrayBuffer(),
        );
        return [...(await decodePng(png)).rgba.slice(0, 3)];
      };
      await new Promise((r) => setTimeout(r, 450));
      assert.deepEqual(await frameCorner(), [0x3a, 0x7d, 0x44], "the show draws the saved scene");
      assert.deepEqual(
        JSON.parse(Deno.readTextFileSync(`${dir}/live.json`)).background,
        scene.background,
      );
      await page.screenshot({ path: `${ARTIFACTS}scenes.png`, fullPage: true });
      await page.fill("#scene-reason", "back to the old look");
      await page.click("#scene-undo");
      await page.waitForFunction(() =>
        document.getElementById("scene-notice")?.textContent ===
          "Undid the last save of live.json: the show draws it from the next frame."
      );
      assert.equal(Deno.readTextFileSync(`${dir}/live.json`), original);
      await new Promise((r) => setTimeout(r, 450));
      assert.notDeepEqual(await frameCorner(), [0x3a, 0x7d, 0x44], "and the undone one");

      const vic = await engine.enrolled("vic", "viewer");
      const ana = await engine.enrolled("ana", "admin");
      const v = await engine.signIn("vic", vic.secret);
      const a = await engine.signIn("ana", ana.secret);
      const call = (type: string, data: unknown, who: { cookie: string; csrf: string }) =>
        httpRequest(engine.url, type, data, sessionHeaders(who));
      assert.equal(
        (await call("SaveScene", { name: "live", scene, reason: "forged" }, v)).status,
        403,
      );
      for (const name of ["../../etc/passwd", "nope"]) {
        const r = await call("SaveScene", { name, scene, reason: "a path" }, a);
        assert.equal(r.status, 400, name);
        assert.match(r.json.message, /^name: /, name);
      }
      const audit = await call("ListAudit", { action: "scene" }, v);
      const rows = audit.json.responseData.entries as Array<
        {
          action: string;
          subject: string;
          outcome: string;
          before: { background: unknown };
          after: { background: unknown };
        }
      >;
      assert.deepEqual(rows.map((r) => `${r.action} ${r.subject} ${r.outcome}`).sort(), [
        "scene.save live ok",
        "scene.save nope failed", // a refused save is in the log too
        "scene.undo live ok",
      ]);
      const save = rows.find((r) => r.action === "scene.save" && r.outcome === "ok")!;
      assert.deepEqual(save.after.background, scene.background);
      assert.deepEqual(save.before.background, JSON.parse(original).background);
    } finally {
      await browser.close();
      await engine.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
