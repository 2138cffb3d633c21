/**
 * Scene files edited while the show runs: each changed file is checked, its
 * images loaded, and only then put on show (from the next frame); a file that
 * fails its check leaves the old scene on and is logged, never half-applied.
 */
import type { Log } from "../../core/log.ts";
import type { Scene } from "../../scenes/scene.ts";
import { type Assets, preloadScene } from "./assets.ts";
import type { Compositor } from "./compositor.ts";
import { type SceneFiles, watchSceneFiles } from "./scene_files.ts";

export function reloadScenes(o: {
  dir: string;
  scenes: Map<string, Scene>;
  everyMs: number;
  assets: Assets;
  compositor: Compositor;
  log: Log;
}): Promise<SceneFiles & { stop(): void }> {
  return watchSceneFiles({
    dir: o.dir,
    scenes: o.scenes,
    everyMs: o.everyMs,
    replace: async (scene) => {
      await preloadScene(scene, o.assets);
      o.compositor.replaceScene(scene);
    },
    onCheck: (c) =>
      c.outcome === "reloaded"
        ? o.log.info("scene file reloaded: on show from the next frame", { file: c.file })
        : o.log.warn("scene file not taken: the old scene stays", { ...c }),
  });
}
