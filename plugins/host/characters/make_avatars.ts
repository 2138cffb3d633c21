/**
 * Makes the shipped characters' avatar images (idle, talking, excited) from
 * the sample avatar: a tint per character, a warmer glow when talking, gold
 * when excited. Run once: `deno run -A plugins/host/characters/make_avatars.ts`.
 * Invariant: writes only scenes/assets/host/<name>-<mood>.png.
 */
import { createCanvas, loadImage } from "@napi-rs/canvas";

const base = await loadImage(
  await Deno.readFile(new URL("../../../scenes/assets/host/avatar.png", import.meta.url)),
);
const tints: Record<string, string> = { marlowe: "#2a3a6a", pip: "#c2457a" };
const moods: Record<string, string> = {
  idle: "#00000000",
  talking: "#ffffff22",
  excited: "#e8b84a55",
};
for (const [name, tint] of Object.entries(tints)) {
  for (const [mood, glow] of Object.entries(moods)) {
    const c = createCanvas(base.width, base.height);
    const g = c.getContext("2d");
    g.drawImage(base, 0, 0);
    g.globalCompositeOperation = "color";
    g.fillStyle = tint;
    g.globalAlpha = 0.45;
    g.fillRect(0, 0, base.width, base.height);
    g.globalCompositeOperation = "source-over";
    g.globalAlpha = 1;
    g.fillStyle = glow;
    g.fillRect(0, 0, base.width, base.height);
    await Deno.writeFile(
      new URL(`../../../scenes/assets/host/${name}-${mood}.png`, import.meta.url),
      c.toBuffer("image/png"),
    );
  }
}
