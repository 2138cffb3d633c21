/**
 * `main.ts check` for the compositor: the scene files read and validated exactly as `start`
 * reads them (`loadScenes`), each problem a line naming the file and the field (and the line
 * of invalid JSON), and the first scene the show draws present among them.
 */
import { loadScenes, SCENES_DIR } from "../../scenes/load_scene.ts";
import type { Finding } from "../../core/plugin.ts";

export async function checkScenes(
  config: { scenesDir?: string; initialScene: string },
): Promise<Finding[]> {
  const dir = config.scenesDir ?? SCENES_DIR.pathname;
  try {
    const scenes = await loadScenes(dir);
    if (!scenes.has(config.initialScene)) {
      return [{
        status: "problem",
        text: `initialScene: "${config.initialScene}" is no scene in ${dir} (${
          [...scenes.keys()].sort().join(", ") || "none"
        })`,
      }];
    }
    return [{ status: "ok", text: `scenes: ${scenes.size} valid in ${dir}` }];
  } catch (error) {
    const lines = (error instanceof Error ? error.message : String(error)).split("\n");
    return lines.map((text) => ({ status: "problem" as const, text: `scenes: ${text}` }));
  }
}
