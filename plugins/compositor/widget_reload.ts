/**
 * Live reload of widget code: the folders the defined widgets came from are
 * polled (it works on every filesystem); when a `.ts` file in one changes,
 * each widget module of that folder is bundled with esbuild — its own folder's
 * files fresh, everything outside it (the compositor's face, core, npm
 * packages) kept as the running process has it — imported, and its widgets
 * swapped in (`widgets.reload`: state rebuilt from the events already seen,
 * subscribed to the events the new code reads).
 * Invariants: no edit is missed — a file is compared by content (its hash), read
 * again while its mtime is too recent to tell a later write in the same tick
 * apart, and a folder's first look reloads it when a file may have changed
 * after this process imported it (modified since shortly before the process
 * started); a module that fails to build, import or define keeps the old code
 * on and is reported; checks run one at a time; bundles live in a temp folder
 * removed at stop.
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

/**
 * Mtime granularity and clock slack, ms: a file modified less than this before it was read may
 * be written again with the same mtime (read again until it is older); one modified less than
 * this before the process started may have been changed after the process imported it.
 */
const RACY_MS = 2000;

/** What a file held when it was last read, and when (epoch ms, taken before the read). */
interface Stamp {
  mtime: number;
  size: number;
  hash: string;
  readAt: number;
}

async function stampOf(file: string): Promise<Stamp | undefined> {
  try {
    const readAt = Date.now();
    const info = await Deno.stat(file);
    const bytes = await Deno.readFile(file);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return {
      mtime: info.mtime?.getTime() ?? 0,
      size: info.size,
      hash: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
      readAt,
    };
  } catch {
    return undefined; // gone meanwhile: the next look sees it gone
  }
}

/** The widget code files of a folder (tests are not widget code). */
function codeFiles(folder: string): string[] {
  try {
    return [...Deno.readDirSync(folder)]
      .filter((e) => e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts"))
      .map((e) => `${folder}/${e.name}`).sort();
  } catch {
    return []; // the folder went: nothing to reload
  }
}

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
  const seen = new Map<string, Stamp>();
  const looked = new Set<string>();
  let built = 0;
  let running: Promise<WidgetReload[]> | undefined;

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

  /** Whether a file of `folder` changed since its last look (its first: since it was imported). */
  const changedIn = async (folder: string): Promise<WidgetReload["changed"] | undefined> => {
    const first = !looked.has(folder);
    looked.add(folder);
    const files = codeFiles(folder);
    let changed: WidgetReload["changed"] | undefined;
    for (const file of files) {
      const before = seen.get(file);
      if (before) {
        const info = await Deno.stat(file).catch(() => undefined);
        const same = info?.mtime?.getTime() === before.mtime && info?.size === before.size;
        if (same && before.readAt - before.mtime >= RACY_MS) continue;
      }
      const now = await stampOf(file);
      if (!now) continue;
      seen.set(file, now);
      const imported = first && now.mtime < performance.timeOrigin - RACY_MS;
      if (before ? before.hash !== now.hash : !imported) changed = { file, at: now.mtime };
    }
    for (const file of seen.keys()) {
      if (dirname(file) !== folder || files.includes(file)) continue;
      seen.delete(file);
      changed = { file, at: Date.now() };
    }
    return changed;
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
      const changed = await changedIn(folder);
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
  const ready = check();
  return {
    /** The first look: done, every widget drawn is the code its files hold now (or reported). */
    ready: ready.then(() => {}, () => {}),
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
