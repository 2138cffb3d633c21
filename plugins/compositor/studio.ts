/**
 * A studio: an engine with only the compositor and the widget plugins, on a
 * throwaway data folder and (by default) a virtual clock. Used by `preview`,
 * the golden tests and the benchmarks, so they exercise the same plugins as
 * production, wired the same way.
 */
import { type VirtualClock, virtualClock } from "../../core/clock.ts";
import { loadPlugins, type PluginEntry, readSettings } from "../../core/config.ts";
import { type Engine, startEngine } from "../../core/engine.ts";
import { createLog } from "../../core/log.ts";
import { SAMPLE_CATALOGUE, SAMPLE_LINK_URL, type SampleEvent } from "../../scenes/sample_state.ts";
import type { Compositor } from "./compositor.ts";
import type { Frames } from "./frames.ts";

const PLUGINS_DIR = new URL("../", import.meta.url);

/** Every `plugins/widget-*` folder with a `mod.ts`, sorted. */
export function widgetPlugins(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(PLUGINS_DIR)) {
    if (!entry.isDirectory || !entry.name.startsWith("widget-")) continue;
    try {
      Deno.statSync(new URL(`${entry.name}/mod.ts`, PLUGINS_DIR));
      names.push(entry.name);
    } catch { /* not a plugin */ }
  }
  return names.sort();
}

const SAMPLE_WIDGET_CONFIG: Record<string, Record<string, unknown>> = {
  "widget-artwork": { items: SAMPLE_CATALOGUE },
  "widget-qr-link": { url: SAMPLE_LINK_URL },
};

export interface StudioOptions {
  /** Compositor config (width, height, fps, initialScene, run …); `run` defaults to false. */
  config?: Record<string, unknown>;
  /** Start time of the virtual clock. */
  start?: string;
  widgets?: string[];
  /** More widget plugins, from outside `plugins/` (a config file's `"module"` entries). */
  extra?: PluginEntry[];
  /** Config per widget plugin, over the sample show's (the lot's catalogue, the link page). */
  widgetConfig?: Record<string, Record<string, unknown>>;
}

export interface Studio {
  engine: Engine;
  clock: VirtualClock;
  compositor: Compositor;
  frames: Frames;
  /** Emits events at their times, moving the clock forward to each. */
  play(events: SampleEvent[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startStudio(options: StudioOptions = {}): Promise<Studio> {
  const dir = Deno.makeTempDirSync({ prefix: "sothebais-studio-" });
  const clock = virtualClock(options.start ?? "2026-11-25T19:00:00-05:00");
  const env = { DATA_DIR: dir, LOG_LEVEL: Deno.env.get("LOG_LEVEL") ?? "warn" };
  const settings = readSettings(env);
  const entries: PluginEntry[] = [
    { label: "compositor", name: "compositor", config: { run: false, ...options.config } },
    ...(options.widgets ?? widgetPlugins()).map((name) => ({
      label: name,
      name,
      config: { ...SAMPLE_WIDGET_CONFIG, ...options.widgetConfig }[name] ?? {},
    })),
  ].map(({ label, name, config }) => ({
    label,
    specifier: new URL(`${name}/mod.ts`, PLUGINS_DIR).href,
    config,
  }));
  const { plugins, secrets } = await loadPlugins([...entries, ...options.extra ?? []], env);
  const engine = await startEngine({
    settings,
    plugins,
    clock,
    listen: false,
    log: createLog("studio", { level: settings.LOG_LEVEL, secrets }),
  });
  return {
    engine,
    clock,
    compositor: engine.service<Compositor>("compositor"),
    frames: engine.service<Frames>("frames"),
    async play(events) {
      for (const event of events) {
        const at = Temporal.Instant.from(event.at);
        if (Temporal.Instant.compare(at, clock.instant()) > 0) await clock.advanceTo(at);
        engine.bus.emit(event.type, event.payload as never, at);
      }
    },
    async stop() {
      await engine.stop();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
