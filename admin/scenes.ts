/**
 * The panel's scene editor on the server. A scene is checked by the engine's
 * own scene schema (each problem names its field), previewed by the real
 * compositor in a process of its own (one preview at a time, bounded in time),
 * and saved as the scene file the engine reads, the previous file kept beside
 * it so the last save can be undone. Only the scenes that exist can be edited
 * (names from the folder), so no path is ever taken from a request. Which
 * scenes use an asset is read from the files, so a delete is refused while any
 * scene names it. A stored file that is not JSON is a SceneEditError naming it by its
 * name in the folder (never where the folder is) and the line and column.
 */
import { JsonFileError, readJsonFile } from "../core/config.ts";
import { parseScene, SceneError } from "../scenes/load_scene.ts";

export class SceneEditError extends Error {}

const SCENES_DIR = new URL("../scenes/", import.meta.url).pathname;
const ASSETS_DIR = new URL("../scenes/assets/", import.meta.url).pathname;
const CHILD = new URL("./scene_preview_child.ts", import.meta.url).pathname;

export interface SceneFolder {
  dir: string;
  assetsDir: string;
}

export const defaultFolder = (dir?: string, assetsDir?: string): SceneFolder => ({
  dir: (dir ?? SCENES_DIR).replace(/\/$/, ""),
  assetsDir: (assetsDir ?? ASSETS_DIR).replace(/\/$/, ""),
});

export async function sceneNames(f: SceneFolder): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(f.dir)) {
    const m = /^([a-z0-9-]{1,40})\.json$/.exec(e.name);
    if (e.isFile && m) names.push(m[1]);
  }
  return names.sort();
}

async function known(f: SceneFolder, name: string) {
  if (!(await sceneNames(f)).includes(name)) throw new SceneEditError(`name: no scene ${name}`);
  return `${f.dir}/${name}.json`;
}

/** A scene is a few KB: a huge file is a mistake, not sent to a panel. */
const MAX_SCENE_BYTES = 1024 * 1024;

/** A stored scene file's JSON (`file` in the folder). */
async function stored(f: SceneFolder, file: string): Promise<unknown> {
  try {
    return await readJsonFile(file, file.slice(f.dir.length + 1), MAX_SCENE_BYTES);
  } catch (error) {
    if (error instanceof JsonFileError) {
      throw new SceneEditError(error.message.replaceAll(`${f.dir}/`, ""));
    }
    throw error;
  }
}

export async function readScene(f: SceneFolder, name: string) {
  const file = await known(f, name);
  return {
    scene: await stored(f, file),
    canUndo: await Deno.stat(`${file}.previous`).then(() => true, () => false),
  };
}

/** The engine's check of a scene: the problems, each `scene.<field>: <message>`. */
export function sceneProblems(scene: unknown): string[] {
  try {
    parseScene(scene, "scene");
    return [];
  } catch (error) {
    if (error instanceof SceneError) return error.message.split("\n");
    throw error;
  }
}

let previewing = false;

/** A PNG of the scene as the real compositor draws it, at a phase of the sample show. */
export async function previewScene(
  f: SceneFolder,
  name: string,
  scene: unknown,
  phase: string,
): Promise<Uint8Array> {
  await known(f, name);
  const problems = sceneProblems(scene);
  if (problems.length) throw new SceneEditError(problems.join("\n"));
  if (previewing) throw new SceneEditError("a preview is being drawn: try again in a moment");
  previewing = true;
  const tmp = await Deno.makeTempDir({ prefix: "sothebais-scene-preview-" });
  try {
    for (const other of await sceneNames(f)) {
      await Deno.copyFile(`${f.dir}/${other}.json`, `${tmp}/${other}.json`);
    }
    await Deno.writeTextFile(`${tmp}/${name}.json`, JSON.stringify(scene));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, tmp, f.assetsDir, name, phase, `${tmp}/preview.png`],
      stdout: "null",
      stderr: "piped",
      env: { LOG_LEVEL: "error" },
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const out = await child.output().finally(() => clearTimeout(timer));
    if (!out.success) {
      throw new SceneEditError(
        `the preview failed: ${
          new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ")
        }`,
      );
    }
    return await Deno.readFile(`${tmp}/preview.png`);
  } finally {
    previewing = false;
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Saves the scene file (the previous one kept for undo); returns before and after. */
export async function saveScene(f: SceneFolder, name: string, scene: unknown) {
  const file = await known(f, name);
  const problems = sceneProblems(scene);
  if (problems.length) throw new SceneEditError(problems.join("\n"));
  // A file broken by hand is saved over (the panel is how it is mended): it had no scene before.
  const before = await stored(f, file).catch(() => null);
  await Deno.copyFile(file, `${file}.previous`);
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(scene, null, 2) + "\n");
  await Deno.rename(tmp, file);
  return { before, after: scene };
}

/** Puts the file from before the last save back. */
export async function undoScene(f: SceneFolder, name: string) {
  const file = await known(f, name);
  const previous = `${file}.previous`;
  if (!(await Deno.stat(previous).then(() => true, () => false))) {
    throw new SceneEditError(`nothing to undo for ${name}`);
  }
  // Read before it is put back: a previous file that is not JSON is refused, and stays aside.
  const after = await stored(f, previous);
  const before = await stored(f, file).catch(() => null);
  await Deno.rename(previous, file);
  return { before, after };
}

/** Scene name → the asset paths it names (any string of the file: a background, a widget's prop). */
export async function assetUses(f: SceneFolder): Promise<Map<string, string[]>> {
  const uses = new Map<string, string[]>();
  const walk = (v: unknown, scene: string) => {
    if (typeof v === "string") {
      const list = uses.get(v) ?? [];
      if (!list.includes(scene)) uses.set(v, [...list, scene]);
    } else if (v && typeof v === "object") {
      for (const x of Object.values(v)) walk(x, scene);
    }
  };
  for (const name of await sceneNames(f)) {
    try {
      walk(await stored(f, `${f.dir}/${name}.json`), name);
    } catch { /* a file that is not JSON names nothing (the compositor says why it is kept out) */ }
  }
  return uses;
}
