/**
 * The panel's scene editor on the server. A scene is checked by the engine's
 * own scene schema (each problem names its field), previewed by the real
 * compositor in a process of its own (one preview at a time, bounded in time),
 * and saved as the scene file the engine reads, the previous file kept beside
 * it so the last save can be undone. Only the scenes that exist can be edited
 * (names from the folder), so no path is ever taken from a request. Which
 * scenes use an asset is read from the files, so a delete is refused while any
 * scene names it.
 */
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

export async function readScene(f: SceneFolder, name: string) {
  const file = await known(f, name);
  return {
    scene: JSON.parse(await Deno.readTextFile(file)),
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
  const before = JSON.parse(await Deno.readTextFile(file));
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
  const restored = await Deno.readTextFile(previous).catch(() => {
    throw new SceneEditError(`nothing to undo for ${name}`);
  });
  const before = JSON.parse(await Deno.readTextFile(file));
  await Deno.rename(previous, file);
  return { before, after: JSON.parse(restored) };
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
    const text = await Deno.readTextFile(`${f.dir}/${name}.json`).catch(() => "null");
    try {
      walk(JSON.parse(text), name);
    } catch { /* a file that is not JSON names nothing (the compositor says why it is kept out) */ }
  }
  return uses;
}
