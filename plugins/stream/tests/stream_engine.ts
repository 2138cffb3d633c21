/**
 * Starts a real engine with the synthetic frames, the voice and the stream
 * plugins, capturing its log lines and every `stream.stats`.
 */
import { loadPlugins, readSettings } from "../../../core/config.ts";
import { type Engine, startEngine } from "../../../core/engine.ts";
import { createLog } from "../../../core/log.ts";
import { tempDir } from "../../../tests/services.ts";
import type { StreamStats } from "../mod.ts";

export interface StreamEngine extends Engine {
  /** The engine's DATA_DIR (removed by stop). */
  dataDir: string;
  logs: string[];
  stats: StreamStats[];
  latest(): StreamStats | undefined;
}

/**
 * `frames` picks the frame source: the synthetic stand-in (pre-drawn frames, so
 * the figures are the sink's) or the real compositor plugin with its scenes.
 */
export async function streamEngine(
  stream: Record<string, unknown>,
  env: Record<string, string> = {},
  frames: "synthetic" | "compositor" = "synthetic",
): Promise<StreamEngine> {
  const dir = tempDir();
  const plugin = (name: string) => new URL(`../../${name}/mod.ts`, import.meta.url).href;
  const { plugins, secrets } = await loadPlugins([
    frames === "synthetic"
      ? {
        label: "frames",
        specifier: new URL("./synthetic_frames.ts", import.meta.url).href,
        config: {},
      }
      : { label: "compositor", specifier: plugin("compositor"), config: {} },
    { label: "voice", specifier: plugin("voice"), config: {} },
    { label: "stream", specifier: plugin("stream"), config: stream },
  ], env);
  const logs: string[] = [];
  const engine = await startEngine({
    settings: readSettings({ DATA_DIR: dir.path, LOG_LEVEL: "info" }),
    plugins,
    listen: false,
    log: createLog("test", { level: "info", secrets, write: (line) => logs.push(line) }),
  });
  const stats: StreamStats[] = [];
  engine.bus.on("stream.stats", (e) => void stats.push(e.payload));
  return {
    ...engine,
    dataDir: dir.path,
    logs,
    stats,
    latest: () => stats.at(-1),
    async stop() {
      await engine.stop();
      dir.remove();
    },
  };
}

/** Runs ffprobe and parses its JSON. */
export async function ffprobe(args: string[], timeoutMs = 15_000): Promise<FfprobeResult> {
  const out = await new Deno.Command("ffprobe", {
    args: ["-v", "error", "-of", "json", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  if (!out.success) throw new Error(`ffprobe: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

export interface FfprobeResult {
  streams?: Array<Record<string, string | number>>;
  packets?: Array<{ pts_time?: string; flags?: string; stream_index?: number }>;
  format?: Record<string, string | number>;
}
