/**
 * The panel's JavaScript and CSS, built by esbuild from `client/` (Preact,
 * uPlot) and cached: in memory, and under the data folder by a hash of the
 * sources, so a restart with unchanged sources builds nothing.
 */
import { sha256 } from "./secrets.ts";

const CLIENT = new URL("./client/", import.meta.url);
const ROOT = new URL("../", import.meta.url).pathname;

export interface Bundle {
  js: string;
  css: string;
  /** Content hash, for ETags. */
  tag: string;
}

/** Where npm packages are for esbuild: Deno's node_modules, hoisted or not. */
function nodePaths(): string[] {
  const paths = [`${ROOT}node_modules`];
  try {
    for (const entry of Deno.readDirSync(`${ROOT}node_modules/.deno`)) {
      if (/^(preact|uplot)@/.test(entry.name)) {
        paths.push(`${ROOT}node_modules/.deno/${entry.name}/node_modules`);
      }
    }
  } catch { /* hoisted layout */ }
  return paths;
}

async function sourcesHash(): Promise<string> {
  const parts: string[] = [];
  const walk = (dir: URL) => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) walk(url);
      else parts.push(e.name, Deno.readTextFileSync(url));
    }
  };
  walk(CLIENT);
  parts.push(Deno.readTextFileSync(new URL("./protocol.ts", import.meta.url)));
  parts.push(
    import.meta.resolve("esbuild"),
    import.meta.resolve("preact"),
    import.meta.resolve("uplot"),
  );
  return (await sha256(parts.join("\0"))).slice(0, 16);
}

async function build(): Promise<{ js: string; css: string }> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      entryPoints: [new URL("main.tsx", CLIENT).pathname, new URL("admin.css", CLIENT).pathname],
      bundle: true,
      write: false,
      outdir: "/out",
      format: "esm",
      minify: true,
      target: "es2022",
      jsx: "automatic",
      jsxImportSource: "preact",
      nodePaths: nodePaths(),
      logLevel: "silent",
    });
    const out = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))!.text;
    return { js: out(".js"), css: out(".css") };
  } finally {
    await esbuild.stop();
  }
}

/** Builds once per process (or reads the cache of an earlier build of the same sources). */
export function bundler(cacheDir: string) {
  let bundle: Promise<Bundle> | null = null;
  return (): Promise<Bundle> => {
    bundle ??= (async () => {
      const hash = await sourcesHash();
      const file = `${cacheDir}/bundle-${hash}.json`;
      let built: { js: string; css: string };
      try {
        built = JSON.parse(await Deno.readTextFile(file));
      } catch {
        built = await build();
        await Deno.mkdir(cacheDir, { recursive: true });
        await Deno.writeTextFile(`${file}.${Deno.pid}`, JSON.stringify(built));
        await Deno.rename(`${file}.${Deno.pid}`, file);
      }
      return { ...built, tag: `"${hash}"` };
    })();
    bundle.catch(() => (bundle = null));
    return bundle;
  };
}
