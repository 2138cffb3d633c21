/**
 * A widget that throws loses only its own item: the frame renders, the other
 * widgets draw with clean state, the error is told once however many frames
 * it repeats in, and the widget counts as failing until it draws again.
 */
import assert from "node:assert/strict";
import { createAssets } from "../assets.ts";
import { createCompositor } from "../compositor.ts";
import { parseScene } from "../../../scenes/load_scene.ts";

const quadrant = (bounds: number[], items: unknown[] = []) => ({ bounds, items });

Deno.test("a throwing widget is skipped, told once, and the rest of the frame is drawn", () => {
  const scene = parseScene({
    name: "s",
    background: { kind: "color", color: "#000000" },
    quadrants: {
      topLeft: quadrant([0, 0, 1, 1], [
        { widget: "boom", at: [0, 0, 1, 1], z: 0 },
        { widget: "red", at: [0, 0, 1, 1], z: 1 },
      ]),
      topRight: quadrant([0.5, 0, 0.5, 0.5]),
      bottomLeft: quadrant([0, 0.5, 0.5, 0.5]),
      bottomRight: quadrant([0.5, 0.5, 0.5, 0.5]),
    },
  }, "s.json");
  const told: string[] = [];
  const c = createCompositor({
    scenes: new Map([["s", scene]]),
    width: 64,
    height: 36,
    fps: 30,
    assets: createAssets(Deno.makeTempDirSync()),
    now: () => Temporal.Instant.from("2026-11-25T20:00:00Z"),
    initialScene: "s",
    onWidgetError: (kind, error) => told.push(`${kind}: ${(error as Error).message}`),
  });
  c.widgets.register("boom", ({ g }) => {
    g.translate(1000, 0); // state a broken widget leaves behind must not reach the next one
    throw new Error("no such lot");
  });
  c.widgets.register("red", ({ g, box }) => {
    g.fillStyle = "#ff0000";
    g.fillRect(box.x, box.y, box.width, box.height);
  });

  for (let i = 0; i < 5; i++) {
    const centre = (18 * 64 + 32) * 4;
    const rgba = c.render(i).rgba;
    assert.deepEqual([...rgba.subarray(centre, centre + 4)], [255, 0, 0, 255], `frame ${i}`);
  }
  assert.deepEqual(told, ["boom: no such lot"]);
  assert.deepEqual(c.failingWidgets(), ["boom"]);

  c.widgets.register("boom", () => {});
  c.render(5);
  assert.deepEqual(c.failingWidgets(), []);
});
