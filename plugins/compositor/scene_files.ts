/**
 * Scene files, reloaded while the show runs: the folder is polled (it works on
 * every filesystem) and a file whose mtime or size changed is read and checked
 * by the scene schema. A good file replaces its scene at once (the scene on
 * show is redrawn from it on the next frame); a bad one — not JSON, a field
 * wrong, a name another file uses, gone — keeps the scene it had, and the
 * reason is kept per file until the file is good again. Invariants: only
 * `*.json` files of the one folder are read; a check never throws into the
 * loop; checks run one at a time.
 */
import { parseJson } from "../../core/config.ts";
import { loadScene } from "../../scenes/load_scene.ts";
import type { Scene } from "../../scenes/scene.ts";

export interface SceneCheck {
  file: string;
  scene: string | null;
  /** `reloaded`: the show draws the new file; `kept`: the old scene stays, `problem` says why. */
  outcome: "reloaded" | "kept";
  problem?: string;
}

/** The `sceneFiles` service: reload now, and what is wrong with the folder's files. */
export interface SceneFiles {
  /** Looks at every file now; resolves with what changed since the last look. */
  check(): Promise<SceneCheck[]>;
  /** File name → why its scene was kept (the old scene stays on show). */
  problems(): Record<string, string>;
}

export interface SceneFilesOptions {
  dir: string;
  /** Scene name → scene, as loaded at start; updated in place. */
  scenes: Map<string, Scene>;
  /** A good file's scene, to draw from now on (the images it names are loaded first). */
  replace(scene: Scene): Promise<void>;
  onCheck?(c: SceneCheck): void;
  everyMs?: number;
}

const stamp = (s: Deno.FileInfo) => `${s.mtime?.getTime() ?? 0}:${s.size}`;

export async function watchSceneFiles(
  o: SceneFilesOptions,
): Promise<SceneFiles & { stop(): void }> {
  const dir = o.dir.replace(/\/$/, "");
  const seen = new Map<string, string>();
  /** Which scene each file holds. */
  const owner = new Map<string, string>();
  const problems = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    seen.set(e.name, stamp(await Deno.stat(`${dir}/${e.name}`)));
  }
  for (const file of seen.keys()) {
    // A file changed since the scenes were loaded may be anything: it owns no scene then.
    const name = await Deno.readTextFile(`${dir}/${file}`).then(
      (t) => (parseJson(t, file) as { name?: unknown } | null)?.name,
    ).catch(() => null);
    if (typeof name === "string" && o.scenes.has(name)) owner.set(file, name);
  }

  const look = async (file: string): Promise<SceneCheck> => {
    const kept = (problem: string): SceneCheck => {
      problems.set(file, problem);
      return { file, scene: owner.get(file) ?? null, outcome: "kept", problem };
    };
    let scene: Scene;
    try {
      scene = await loadScene(`${dir}/${file}`);
    } catch (error) {
      return kept((error as Error).message.replaceAll(`${dir}/`, ""));
    }
    const other = [...owner].find(([f, s]) => s === scene.name && f !== file);
    if (other) return kept(`${file}: name: "${scene.name}" is used by ${other[0]}`);
    try {
      await o.replace(scene);
    } catch (error) {
      return kept(`${file}: ${(error as Error).message}`);
    }
    owner.set(file, scene.name);
    problems.delete(file);
    return { file, scene: scene.name, outcome: "reloaded" };
  };

  let running: Promise<SceneCheck[]> | null = null;
  const check = (): Promise<SceneCheck[]> => {
    // One at a time: a second caller waits for the check in progress, then looks again.
    const next = (running ?? Promise.resolve([])).then(async () => {
      const out: SceneCheck[] = [];
      const now = new Map<string, string>();
      try {
        for await (const e of Deno.readDir(dir)) {
          if (e.isFile && e.name.endsWith(".json")) {
            now.set(e.name, stamp(await Deno.stat(`${dir}/${e.name}`).catch(() => ({}) as never)));
          }
        }
      } catch (error) {
        return [{ file: dir, scene: null, outcome: "kept" as const, problem: String(error) }];
      }
      for (const [file, s] of now) {
        if (seen.get(file) === s) continue;
        seen.set(file, s);
        out.push(await look(file));
      }
      for (const file of seen.keys()) {
        if (now.has(file)) continue;
        seen.delete(file);
        if (owner.has(file)) {
          const c: SceneCheck = {
            file,
            scene: owner.get(file)!,
            outcome: "kept",
            problem: `${file} is gone: its scene stays as it was loaded`,
          };
          problems.set(file, c.problem!);
          out.push(c);
        }
      }
      for (const c of out) o.onCheck?.(c);
      return out;
    });
    running = next.catch(() => []);
    return next;
  };

  const timer = o.everyMs ? setInterval(() => void check().catch(() => {}), o.everyMs) : undefined;
  return {
    check,
    problems: () => Object.fromEntries(problems),
    stop: () => clearInterval(timer),
  };
}
