/**
 * A process of its own for the panel's scene preview (the show's frame loop
 * never waits for it): the real compositor and widgets (`startStudio`) over a
 * scenes folder holding the edited scene, with the sample show's state at a
 * phase; writes one PNG. Usage: scene_preview_child.ts <scenesDir> <assetsDir>
 * <scene> <phase> <out.png>
 */
import type { Phase } from "../plugins/auction/mod.ts";
import { SAMPLE_MOMENT, sampleEvents } from "../scenes/sample_state.ts";
import { startStudio } from "../plugins/compositor/mod.ts";

const [scenesDir, assetsDir, scene, phase, out] = Deno.args;
const studio = await startStudio({
  config: { width: 640, height: 360, scenesDir, assetsDir },
  start: "2026-11-25T19:00:00-05:00",
});
try {
  await studio.play(sampleEvents(phase as Phase));
  await studio.clock.advanceTo(Temporal.Instant.from(SAMPLE_MOMENT[phase as Phase]));
  studio.compositor.show(scene, { kind: "cut", ms: 0 });
  await studio.compositor.widgets.assets.refresh();
  studio.compositor.render(0);
  await Deno.writeFile(out, new Uint8Array(await studio.compositor.canvas.encode("png")));
} finally {
  await studio.stop();
}
