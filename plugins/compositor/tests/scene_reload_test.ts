/**
 * Scene files reloaded while the show runs: a saved file is on show from the
 * next frame (the scene on air redrawn, no restart), found by the folder's
 * poll too; a bad file (not JSON, a bad field, another scene's name) keeps the
 * old scene, says why per file (the service and the health check), and a good
 * file again clears it.
 */
import assert from "node:assert/strict";
import { assert as ok } from "../../../core/testing.ts";
import type { SceneFiles } from "../mod.ts";
import { startStudio } from "../studio.ts";

const SCENES = new URL("../../../scenes/", import.meta.url).pathname;

async function copyScenes() {
  const dir = await Deno.makeTempDir({ prefix: "sothebais-reload-" });
  for (const e of Deno.readDirSync(SCENES)) {
    if (e.isFile && e.name.endsWith(".json")) {
      Deno.copyFileSync(`${SCENES}${e.name}`, `${dir}/${e.name}`);
    }
  }
  return dir;
}

Deno.test("a saved scene file is on show from the next frame; a bad one keeps the old scene", async () => {
  const dir = await copyScenes();
  const studio = await startStudio({
    widgets: [],
    config: { scenesDir: dir, width: 320, height: 180, watchScenesMs: 100 },
  });
  try {
    const files = studio.engine.service<SceneFiles>("sceneFiles");
    const { compositor } = studio;
    assert.equal(compositor.current(), "pre-auction");
    const corner = (i: number) => [...compositor.render(i).rgba.slice(0, 3)];
    const original = JSON.parse(Deno.readTextFileSync(`${dir}/pre-auction.json`));
    const before = corner(1);
    const write = (scene: unknown) =>
      Deno.writeTextFileSync(
        `${dir}/pre-auction.json`,
        typeof scene === "string" ? scene : JSON.stringify(scene),
      );

    write({ ...original, background: { kind: "color", color: "#3a7d44" } });
    // (The poll may have taken it first; a check waits for one in progress.)
    const checked = await files.check();
    ok(checked.every((c) => c.outcome === "reloaded"), JSON.stringify(checked));
    assert.deepEqual(files.problems(), {});
    assert.deepEqual(corner(2), [0x3a, 0x7d, 0x44], "the scene on air is the saved file");
    assert.notDeepEqual(before, [0x3a, 0x7d, 0x44]);

    // Not JSON, a bad field, a name taken: the old scene stays, and why is said.
    const bad: Array<[unknown, RegExp]> = [
      ["{ not json", /^pre-auction\.json: /],
      [
        { ...original, background: { kind: "color", color: "red" } },
        /pre-auction\.json: background\.color: a colour/,
      ],
      [{ ...original, name: "live" }, /name: "live" is used by live\.json/],
    ];
    for (const [scene, why] of bad) {
      write(scene);
      // Each bad file differs in size from the last, so a change within one mtime tick shows.
      await files.check();
      assert.match(files.problems()["pre-auction.json"] ?? "", why);
      assert.deepEqual(corner(3), [0x3a, 0x7d, 0x44], "the last good scene stays on air");
      assert.equal(compositor.current(), "pre-auction");
    }
    const health = await (await studio.engine.http.request("/healthz")).json();
    assert.match(JSON.stringify(health), /scene file kept out: .*is used by live\.json/);

    // Found by the poll, without being asked: back to the original colours.
    write(original);
    const until = Date.now() + 5000;
    while (Date.now() < until && Object.keys(files.problems()).length) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(files.problems(), {});
    assert.deepEqual(corner(4), before);
  } finally {
    await studio.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
