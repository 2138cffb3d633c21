/**
 * Transitions run by frame index: a fade's middle frame is a blend of both
 * scenes, a slide's shows the incoming scene entering from the right, a cut
 * switches at once, and every transition ends on the new scene alone.
 */
import assert from "node:assert/strict";
import { createAssets } from "../assets.ts";
import { createCompositor } from "../compositor.ts";
import { parseScene } from "../../../scenes/load_scene.ts";
import type { Scene } from "../../../scenes/scene.ts";

const plain = (name: string, color: string): Scene =>
  parseScene({
    name,
    background: { kind: "color", color },
    quadrants: {
      topLeft: { bounds: [0, 0, 0.5, 0.5] },
      topRight: { bounds: [0.5, 0, 0.5, 0.5] },
      bottomLeft: { bounds: [0, 0.5, 0.5, 0.5] },
      bottomRight: { bounds: [0.5, 0.5, 0.5, 0.5] },
    },
  }, name);

function setup() {
  const assets = createAssets(Deno.makeTempDirSync());
  const compositor = createCompositor({
    scenes: new Map([["black", plain("black", "#000000")], ["white", plain("white", "#ffffff")]]),
    width: 64,
    height: 36,
    fps: 30,
    assets,
    now: () => Temporal.Instant.from("2026-11-25T20:00:00Z"),
    initialScene: "black",
  });
  return compositor;
}

const red = (rgba: Uint8Array, x: number, y = 10, width = 64) => rgba[(y * width + x) * 4];

Deno.test("fade: halfway is a blend, the end is the new scene", () => {
  const c = setup();
  c.render(0);
  c.show("white", { kind: "fade", ms: 1000 });
  assert.equal(red(c.render(100).rgba, 5), 0, "first frame of the fade is the old scene");
  const middle = red(c.render(115).rgba, 5);
  assert.ok(middle > 100 && middle < 155, `middle ${middle}`);
  assert.equal(red(c.render(130).rgba, 5), 255);
  assert.equal(c.current(), "white");
});

Deno.test("slide: the new scene enters from the right", () => {
  const c = setup();
  c.render(0);
  c.show("white", { kind: "slide", ms: 1000 });
  c.render(10);
  const frame = c.render(25).rgba;
  assert.equal(red(frame, 2), 0, "left edge still the old scene");
  assert.equal(red(frame, 62), 255, "right edge already the new one");
  assert.equal(red(c.render(40).rgba, 2), 255);
});

Deno.test("cut switches on the next frame; showing the current scene is a no-op", () => {
  const c = setup();
  c.render(0);
  c.show("black");
  assert.equal(red(c.render(1).rgba, 5), 0);
  c.show("white", { kind: "cut", ms: 0 });
  assert.equal(red(c.render(2).rgba, 5), 255);
  assert.throws(() => c.show("nope"), /no scene named nope/);
});

Deno.test("frames are opaque straight RGBA of width*height*4 bytes", () => {
  const c = setup();
  const frame = c.render(7);
  assert.equal(frame.rgba.length, 64 * 36 * 4);
  assert.equal(frame.index, 7);
  for (let i = 3; i < frame.rgba.length; i += 4) assert.equal(frame.rgba[i], 255);
});

Deno.test("a frame's bytes are lent until the next render, then detached", () => {
  const c = setup();
  const first = c.render(0);
  assert.equal(first.rgba.length, 64 * 36 * 4);
  const second = c.render(1);
  assert.equal(first.rgba.length, 0, "the previous frame was not handed back");
  assert.equal(second.rgba.length, 64 * 36 * 4);
});
