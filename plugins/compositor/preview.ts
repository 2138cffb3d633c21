/**
 * `main.ts preview`: renders one frame of a scene to a PNG, with the sample
 * show's state at a phase (default) or the live state of a running engine
 * (`--from http://127.0.0.1:8000`, which serves `/compositor/frame.png`).
 * `--watch` keeps it running: a change to a widget's files (its code swapped in
 * without a restart, its state kept) or to a scene file renders the PNG again.
 * Widget plugins outside `plugins/` come from the config file's `"module"` entries.
 */
import type { Phase } from "../auction/mod.ts";
import { SAMPLE_MOMENT, sampleEvents } from "../../scenes/sample_state.ts";
import { type PluginEntry, readConfigFile } from "../../core/config.ts";
import type { PluginCommand } from "../../core/plugin.ts";
import type { SceneFiles } from "./scene_files.ts";
import { startStudio, type Studio } from "./studio.ts";
import { watchWidgetFiles } from "./widget_reload.ts";
import { encodePngFast } from "./png.ts";

const PHASES: Phase[] = ["pre-auction", "auction", "post-auction"];
const PHASE_SCENE: Record<Phase, string> = {
  "pre-auction": "pre-auction",
  auction: "live",
  "post-auction": "post-auction",
};
/** The project's folder: its own widget plugins are found in `plugins/` (studio.ts). */
const PROJECT = new URL("../../", import.meta.url).href;

export interface PreviewOptions {
  scene?: string;
  phase?: Phase;
  width?: number;
  height?: number;
  /** Scene files' folder; default the project's. */
  scenesDir?: string;
  extra?: PluginEntry[];
  /** Widget code will be reloaded: keep the show's events for code reading a new type. */
  watch?: boolean;
}

/** A studio at the sample show's moment of `phase`, showing the scene. */
export async function sampleStudio(options: PreviewOptions): Promise<Studio> {
  const phase = options.phase ?? "auction";
  const studio = await startStudio({
    config: {
      width: options.width ?? 1280,
      height: options.height ?? 720,
      ...(options.scenesDir ? { scenesDir: options.scenesDir } : {}),
      reloadHistory: options.watch ?? false,
    },
    start: "2026-11-25T19:00:00-05:00",
    extra: options.extra,
  });
  await studio.play(sampleEvents(phase));
  await studio.clock.advanceTo(Temporal.Instant.from(SAMPLE_MOMENT[phase]));
  studio.compositor.show(options.scene ?? PHASE_SCENE[phase], { kind: "cut", ms: 0 });
  return studio;
}

/** Renders a scene with the sample state; returns the PNG bytes. */
export async function renderPreview(options: PreviewOptions): Promise<Uint8Array> {
  const studio = await sampleStudio(options);
  try {
    studio.compositor.render(0);
    return new Uint8Array(await studio.compositor.canvas.encode("png"));
  } finally {
    await studio.stop();
  }
}

/** The config file's widget plugins from outside the project (`"module"` entries). */
async function outsideWidgets(config: string): Promise<PluginEntry[]> {
  const { entries } = await readConfigFile(config).catch(() => ({ entries: [] as PluginEntry[] }));
  const found: PluginEntry[] = [];
  for (const entry of entries.filter((e) => !e.specifier.startsWith(PROJECT))) {
    const plugin = await import(entry.specifier).then((m) => m.default, () => undefined);
    if (plugin?.needs?.includes("widgets")) found.push(entry);
  }
  return found;
}

/** Renders on every widget or scene file change until SIGINT; each write is printed. */
async function watch(options: PreviewOptions, out: string, print: (l: string) => void) {
  const studio = await sampleStudio({ ...options, watch: true });
  let index = 0;
  let writing = Promise.resolve();
  /** Renders and writes the PNG, after the write before it (one frame at a time on the file). */
  const write = (why: string, since?: number) =>
    writing = writing.then(async () => {
      const { rgba } = studio.compositor.render(++index);
      await Deno.writeFile(
        out,
        encodePngFast(rgba, studio.compositor.width, studio.compositor.height),
      );
      const after = since === undefined
        ? ""
        : ` ${Math.round(Date.now() - since)} ms after the change`;
      print(`wrote ${out} (${why})${after}`);
    }).catch((error) => print(`${out}: not written: ${error}`));
  let started = false;
  // Watching from before the first PNG: its first look reloads a widget whose files may have
  // changed since they were imported, so an edit made as the preview starts is on the first PNG.
  const widgets = watchWidgetFiles({
    widgets: studio.compositor.widgets,
    everyMs: 50,
    onReload: (r) => {
      if (r.error) print(`${r.file}: not reloaded, the old code stays: ${r.error}`);
      for (const w of r.warnings) print(w);
      if (r.error) return;
      if (started) void write(`${r.kinds.join(", ")} reloaded in ${r.ms} ms`, r.changed.at);
      else print(`${r.kinds.join(", ")}: changed since it was loaded; the new code is drawn`);
    },
  });
  await widgets.ready;
  started = true;
  await write("start");
  const sceneFiles = studio.engine.service<SceneFiles>("sceneFiles");
  const scenes = setInterval(async () => {
    for (const c of await sceneFiles.check()) {
      if (c.outcome === "reloaded") await write(`${c.file} reloaded`);
      else print(`${c.file}: kept out: ${c.problem}`);
    }
  }, 200);
  print("watching widget and scene files; Ctrl-C stops");
  await new Promise<void>((stop) => {
    const onSignal = () => {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
      stop();
    };
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
  });
  clearInterval(scenes);
  await widgets.stop();
  await writing;
  await studio.stop();
}

export const previewCommand: PluginCommand = {
  summary: "render a scene to a PNG with sample state (or a running engine's live frame)",
  usage:
    "preview [--scene live] [--phase auction] [--out preview.png] [--width 1280 --height 720] " +
    "[--scenes DIR] [--watch] [--from URL]",
  options: {
    scene: { type: "string" },
    phase: { type: "string", default: "auction" },
    out: { type: "string", default: "preview.png" },
    width: { type: "string", default: "1280" },
    height: { type: "string", default: "720" },
    scenes: { type: "string" },
    watch: { type: "boolean", default: false },
    from: { type: "string" },
  },
  // A studio of its own (or a running engine's frame): no database.
  alone: true,
  async run(ctx, values) {
    const out = values.out as string;
    if (values.from) {
      const url = new URL("/compositor/frame.png", values.from as string);
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      await Deno.writeFile(out, new Uint8Array(await response.arrayBuffer()));
      ctx.print(`wrote ${out} (live frame from ${url.origin})`);
      return 0;
    }
    const phase = values.phase as Phase;
    if (!PHASES.includes(phase)) {
      console.error(`preview: --phase must be one of ${PHASES.join(", ")}`);
      return 2;
    }
    const width = Number(values.width);
    const height = Number(values.height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16) {
      console.error("preview: --width and --height must be whole numbers ≥ 16");
      return 2;
    }
    const config = typeof values.config === "string"
      ? values.config
      : Deno.env.get("SOTHEBAIS_CONFIG") ?? "deno.json";
    const options: PreviewOptions = {
      scene: values.scene as string | undefined,
      phase,
      width,
      height,
      scenesDir: values.scenes as string | undefined,
      extra: await outsideWidgets(config),
    };
    if (values.watch) {
      await watch(options, out, ctx.print);
      return 0;
    }
    await Deno.writeFile(out, await renderPreview(options));
    ctx.print(
      `wrote ${out} (${options.scene ?? PHASE_SCENE[phase]}, ${phase}, ${width}x${height})`,
    );
    return 0;
  },
};
