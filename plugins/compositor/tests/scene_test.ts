import assert from "node:assert/strict";
import { loadScenes, parseScene, SceneError } from "../../../scenes/load_scene.ts";

const valid = () => ({
  name: "t",
  background: { kind: "color", color: "#000000" },
  quadrants: {
    topLeft: { bounds: [0, 0, 0.5, 0.5] },
    topRight: { bounds: [0.5, 0, 0.5, 0.5] },
    bottomLeft: { bounds: [0, 0.5, 0.5, 0.5] },
    bottomRight: { bounds: [0.5, 0.5, 0.5, 0.5], items: [{ widget: "clock" }] },
  },
});

Deno.test("the project's scenes load: one per phase and the slate", async () => {
  const scenes = await loadScenes(new URL("../../../scenes/", import.meta.url));
  assert.deepEqual([...scenes.keys()].sort(), ["live", "post-auction", "pre-auction", "slate"]);
  const live = scenes.get("live")!;
  assert.equal(live.width, 1280);
  assert.equal(live.fps, 30);
  assert.equal(live.quadrants.topLeft.items[0].widget, "artwork");
});

Deno.test("defaults fill in: 1280x720@30, padding, z, fade", () => {
  const scene = parseScene(valid(), "t.json");
  assert.deepEqual([scene.width, scene.height, scene.fps], [1280, 720, 30]);
  assert.equal(scene.quadrants.topLeft.padding, 12);
  assert.deepEqual(scene.quadrants.bottomRight.items[0].at, [0, 0, 1, 1]);
  assert.deepEqual(scene.transition, { kind: "fade", ms: 600 });
});

Deno.test("a bad scene names the file and the field", () => {
  const cases: Array<[(s: ReturnType<typeof valid>) => void, string]> = [
    [(s) => s.quadrants.topLeft.bounds = [0.6, 0, 0.5, 0.5], "t.json: quadrants.topLeft.bounds:"],
    [(s) => s.background = { kind: "color", color: "red" }, "t.json: background.color:"],
    [(s) => delete (s.quadrants as Record<string, unknown>).bottomLeft, "quadrants.bottomLeft"],
    [
      (s) => (s.quadrants.bottomRight.items[0] as Record<string, unknown>).at = [0, 0, 2, 1],
      "quadrants.bottomRight.items.0.at.2",
    ],
    [(s) => (s as Record<string, unknown>).transition = { kind: "wipe" }, "transition.kind"],
  ];
  for (const [spoil, expected] of cases) {
    const scene = valid();
    spoil(scene);
    assert.throws(() => parseScene(scene, "t.json"), (e: Error) => {
      assert.ok(e instanceof SceneError);
      assert.ok(e.message.includes(expected), `${e.message} should name ${expected}`);
      return true;
    });
  }
});
