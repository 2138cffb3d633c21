/** The fast PNG decodes (by Skia) to the very pixels it was given. */
import { assertEquals } from "../../core/testing.ts";
import { encodePngFast } from "./png.ts";
import { decodePng } from "./tests/pixels.ts";

Deno.test("encodePngFast: Skia reads back the same RGBA", async () => {
  const width = 37;
  const height = 23;
  const rgba = new Uint8Array(width * height * 4).map((
    _,
    i,
  ) => (i % 4 === 3 ? 255 : (i * 31) % 256));
  const png = await decodePng(encodePngFast(rgba, width, height));
  assertEquals([png.width, png.height], [width, height]);
  assertEquals([...png.rgba], [...rgba]);
});
