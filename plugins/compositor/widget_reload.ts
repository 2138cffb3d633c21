/**
 * Live reload of widget code: the folders the defined widgets came from are
 * polled (it works on every filesystem); when a `.ts` file in one changes,
 * each widget module of that folder is bundled with esbuild — its own folder's
 * files fresh, everything outside it (the compositor's face, core, npm
 * packages) kept as the running process has it — imported, and its widgets
 * swapped in (`widgets.reload`: state rebuilt from the events already seen).
 * Invariants: a module that fails to build, import or define keeps the old
 * code on and is reported; checks run one at a time; bundles live in a temp
 * folder removed at stop.
 */
import { dirname, resolve } from "node:path";
import { isWidget } from "./widget_kit.ts";
import type { Widgets } from "./widgets.ts";

export interface WidgetReload {
  /** The widget module rebuilt. */
  file: string;
  kinds: string[];
  /** From seeing the change to the new code being drawn. */
  ms: number;
  /** The file that changed, and when (epoch ms of its mtime). */
  changed: { file: string; at: number };
  warnings: string[];
  /** Set when the old code stays: why. */
  error?: string;
}

type Esbuild = typeof import("esbuild");

/** Bundles `file` with the files of its own folder; returns the bundle's code. */
async function bundle(esbuild: Esbuild, file: string): Promise<string> {
  const folder = dirname(file);
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    logLevel: "silent",
    plugins: [{
      name: "outside-stays-loaded",
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === "entry-point") return undefined;
          if (!args.path.startsWith(".") && !args.path.startsWith("/")) {
            return { path: args.path, external: true }; // bare and npm: specifiers, by the import map
          }
          const path = resolve(args.resolveDir, args.path);
          return path.startsWith(`${folder}/`)
            ? { path }
            : { path: `file://${path}`, external: true };
        });
      },
    }],
  });
  return result.outputFiles[0].text;
}

export function watchWidgetFiles(o: {
  widgets: Widgets;
  everyMs: number;
  onReload?: (r: WidgetReload) => void;
}) {
  let esbuild: Esbuild | undefined;
  const out = Deno.makeTempDirSync({ prefix: "sothebais-widget-reload-" });
  const seen = new Map<string, number>();
  let built = 0;
  let running: Promise<WidgetReload[]> | undefined;

  const stamps = (folder: string) => {
    const found: [string, number][] = [];
    try {
      for (const e of Deno.readDirSync(folder)) {
        if (!e.isFile || !e.name.endsWith(".ts") || e.name.endsWith("_test.ts")) continue;
        const file = `${folder}/${e.name}`;
        found.push([file, Deno.statSync(file).mtime?.getTime() ?? 0]);
      }
    } catch { /* the folder went: nothing to reload */ }
    return found;
  };

  const reload = async (file: string, kinds: string[], changed: WidgetReload["changed"]) => {
    const t = performance.now();
    const done = (r: Partial<WidgetReload>): WidgetReload => ({
      file,
      kinds,
      changed,
      warnings: [],
      ms: Math.round((performance.now() - t) * 10) / 10,
      ...r,
    });
    try {
      esbuild ??= await import("esbuild");
      const path = `${out}/${++built}.js`;
      await Deno.writeTextFile(path, await bundle(esbuild, file));
      const exported = Object.values(await import(`file://${path}`)).filter(isWidget);
      const found = kinds.map((k) => exported.find((w) => w.kind === k));
      const lost = kinds.filter((_, i) => !found[i]);
      if (lost.length) return done({ error: `${file} no longer defines ${lost.join(", ")}` });
      const warnings = found.flatMap((w) => o.widgets.reload({ ...w!, source: `file://${file}` }));
      return done({ warnings });
    } catch (error) {
      return done({ error: error instanceof Error ? error.message.split("\n")[0] : String(error) });
    }
  };

  const look = async (): Promise<WidgetReload[]> => {
    const byFile = new Map<string, string[]>();
    for (const [kind, source] of Object.entries(o.widgets.sources())) {
      if (!source.startsWith("file://") || source.includes(out)) continue;
      const file = new URL(source).pathname;
      byFile.set(file, [...(byFile.get(file) ?? []), kind]);
    }
    const results: WidgetReload[] = [];
    for (const folder of new Set([...byFile.keys()].map(dirname))) {
      let changed: WidgetReload["changed"] | undefined;
      for (const [file, at] of stamps(folder)) {
        const before = seen.get(file);
        seen.set(file, at);
        if (before !== undefined && before !== at) changed = { file, at };
      }
      if (!changed) continue;
      for (const [file, kinds] of byFile) {
        if (dirname(file) !== folder) continue;
        const r = await reload(file, kinds, changed);
        results.push(r);
        o.onReload?.(r);
      }
    }
    return results;
  };

  /** Looks now; a second caller waits for the look in progress, then looks again. */
  const check = () => {
    const next = (running ?? Promise.resolve([])).then(look);
    running = next.catch(() => []);
    return next;
  };
  const timer = setInterval(() => void check().catch(() => {}), o.everyMs);
  // Start esbuild's service now (~100 ms once), not on the first change.
  const warm = import("esbuild").then(async (e) => {
    esbuild ??= e;
    await e.transform("", {});
  }).catch(() => {});
  void check();
  return {
    check,
    async stop() {
      clearInterval(timer);
      await warm;
      await running;
      await esbuild?.stop();
      await Deno.remove(out, { recursive: true }).catch(() => {});
    },
  };
}
