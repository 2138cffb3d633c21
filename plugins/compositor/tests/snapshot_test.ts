/**
 * `compositor.snapshot`: the last frame scaled and encoded (the admin panel's
 * preview). It is the frame on show when asked, even when the next frame is
 * drawn while it encodes.
 */
import assert from "node:assert/strict";
import { type Canvas, createCanvas } from "@napi-rs/canvas";
import { startStudio } from "../studio.ts";
import { decodePng, diffRatio } from "./pixels.ts";

/** The frame the compositor just drew, scaled the same way the snapshot is. */
function scaled(source: Canvas, w: number, h: number) {
  const c = createCanvas(w, h);
  c.getContext("2d").drawImage(source, 0, 0, w, h);
  const d = c.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

Deno.test("snapshot: the last frame at the asked width, as JPEG or WebP, unchanged by the next frame", async () => {
  const studio = await startStudio();
  try {
    const { compositor } = studio;
    compositor.show("slate", { kind: "cut", ms: 0 });
    compositor.render(0);
    const slate = scaled(compositor.canvas, 320, 180);
    const pending = compositor.snapshot({ width: 320, type: "jpeg", quality: 80 });
    compositor.show("live", { kind: "cut", ms: 0 });
    compositor.render(1); // drawn while the slate's snapshot encodes
    const live = scaled(compositor.canvas, 320, 180);
    const jpeg = await pending;
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const decoded = await decodePng(jpeg); // Skia decodes any format it encodes
    assert.deepEqual([decoded.width, decoded.height], [320, 180]);
    assert.ok(diffRatio(decoded.rgba, slate, 320, 180, 40) < 0.05, "the snapshot is the slate");
    assert.ok(diffRatio(decoded.rgba, live, 320, 180, 40) > 0.2, "not the frame drawn after");

    const webp = await compositor.snapshot({ width: 480, type: "webp", quality: 70 });
    assert.equal(new TextDecoder().decode(webp.subarray(8, 12)), "WEBP");
    const decodedWebp = await decodePng(webp);
    assert.deepEqual([decodedWebp.width, decodedWebp.height], [480, 270]);
  } finally {
    await studio.stop();
  }
});
