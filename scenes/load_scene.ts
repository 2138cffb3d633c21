/**
 * Reads and validates scene files. A bad file is reported with its path and
 * the field at fault, e.g. `scenes/live.json: quadrants.topLeft.bounds: …`, or the line and
 * column of invalid JSON.
 */
import { JsonFileError, readJsonFile } from "../core/config.ts";
import { type Scene, sceneSchema } from "./scene.ts";

export class SceneError extends Error {}

/** Validates a parsed scene; `source` names it in errors. */
export function parseScene(data: unknown, source: string): Scene {
  const parsed = sceneSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      `${source}: ${issue.path.join(".") || "scene"}: ${issue.message}`
    );
    throw new SceneError(problems.join("\n"));
  }
  return parsed.data;
}

/** Reads one scene file. */
export async function loadScene(path: string | URL): Promise<Scene> {
  const source = path instanceof URL ? path.pathname : path;
  let data: unknown;
  try {
    data = await readJsonFile(path, source);
  } catch (error) {
    if (error instanceof JsonFileError) throw new SceneError(error.message);
    throw error;
  }
  return parseScene(data, source);
}

/** Reads every `*.json` scene in a folder, by scene name. */
export async function loadScenes(dir: string | URL): Promise<Map<string, Scene>> {
  const base = dir instanceof URL ? dir.pathname : dir;
  const scenes = new Map<string, Scene>();
  const names: string[] = [];
  for await (const entry of Deno.readDir(base)) {
    if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
  }
  for (const name of names.sort()) {
    const scene = await loadScene(`${base.replace(/\/$/, "")}/${name}`);
    if (scenes.has(scene.name)) {
      throw new SceneError(`${base}/${name}: name: "${scene.name}" is used by another scene`);
    }
    scenes.set(scene.name, scene);
  }
  return scenes;
}

/** The folder of the project's scene files. */
export const SCENES_DIR = new URL("./", import.meta.url);
