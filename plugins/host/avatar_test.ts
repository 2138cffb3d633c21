/**
 * The shipped avatars: each character names an image per mood, and each image
 * is the portrait `characters/make_avatars.ts` draws (regenerate with it). A
 * mood is an expression, not a tint: idle, talking and excited differ in the
 * face only (every changed pixel inside the face, sparkles aside), and the two
 * characters are different portraits.
 */
import { assert } from "../../core/testing.ts";
import { loadImage } from "@napi-rs/canvas";
import { createCanvas } from "@napi-rs/canvas";
import { loadCharacter } from "./character.ts";
import { drawAvatar, type Mood, MOODS } from "./characters/make_avatars.ts";

const SIZE = 512;

async function pixels(png: Uint8Array): Promise<Uint8ClampedArray> {
  const image = await loadImage(png);
  assert(image.width === SIZE && image.height === SIZE, `${image.width}x${image.height}`);
  const c = createCanvas(SIZE, SIZE);
  const g = c.getContext("2d");
  g.drawImage(image, 0, 0);
  return g.getImageData(0, 0, SIZE, SIZE).data;
}

/** The pixels that differ by more than a rounding step, as [x, y]. */
function changed(a: Uint8ClampedArray, b: Uint8ClampedArray): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < a.length; i += 4) {
    const d = Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
    if (d > 12) out.push([(i / 4) % SIZE, Math.floor(i / 4 / SIZE)]);
  }
  return out;
}

/** The face: eyes, brows, mouth (x 150–362, y 150–390 of 512). */
const inFace = ([x, y]: [number, number]) => x >= 150 && x <= 362 && y >= 150 && y <= 390;

for (const name of ["marlowe", "pip"]) {
  Deno.test(`avatar (${name}): an image per mood, drawn by the script, moods differ in the face`, async () => {
    const character = await loadCharacter(name);
    const images = {} as Record<Mood, Uint8ClampedArray>;
    for (const mood of MOODS) {
      assert(character.avatar[mood] === `host/${name}-${mood}.png`, character.avatar[mood]);
      const file = new URL(`../../scenes/assets/${character.avatar[mood]}`, import.meta.url);
      images[mood] = await pixels(await Deno.readFile(file));
      const drawn = await pixels(drawAvatar(name, mood));
      assert(changed(images[mood], drawn).length === 0, `${file.pathname} is not the script's`);
    }
    for (
      const [a, b] of [["idle", "talking"], ["idle", "excited"], ["talking", "excited"]] as const
    ) {
      const diff = changed(images[a], images[b]);
      assert(diff.length > 1500, `${a} and ${b} look the same (${diff.length} px)`);
      const outside = diff.filter((p) => !inFace(p)).length;
      // Excited adds sparkles around the head; nothing else outside the face changes.
      const allowed = a === "idle" && b === "talking" ? 0 : 2500;
      assert(outside <= allowed, `${a} → ${b}: ${outside} px changed outside the face`);
      assert(diff.length < SIZE * SIZE * 0.08, `${a} → ${b}: ${diff.length} px, a tint?`);
    }
  });
}

Deno.test("avatar: the two characters are different portraits", async () => {
  const [m, p] = await Promise.all(["marlowe", "pip"].map((n) => pixels(drawAvatar(n, "idle"))));
  assert(changed(m, p).length > SIZE * SIZE * 0.5);
});
