/**
 * For the stream benchmarks: the demo show (`deno task start`'s plugins, each
 * module by absolute path) as its own process, streaming to `rtmpUrl` with a
 * video profile and, optionally, the A/V test signal and a recording. Its own
 * data folder and a free port; its JSON log kept; /metrics read as numbers;
 * CPU and memory of it and of its ffmpeg read from /proc. Not part of CI.
 */
import { pluginModule } from "../core/config.ts";
const ROOT = new URL("../", import.meta.url);
const TICK = 100; // USER_HZ on Linux

export interface DemoEngineOptions {
  profile: "720p30" | "1080p30" | "1080p60";
  rtmpUrl: string;
  streamKey: string;
  /** Seconds between A/V test signals; none = off. */
  testSignalSeconds?: number;
  /** Extra stream config (e.g. `recording`). */
  stream?: Record<string, unknown>;
}

export interface DemoEngine {
  pid: number;
  url: string;
  dataDir: string;
  logs: string[];
  /** Every sample of /metrics, by series name with labels, e.g. `sothebais_stream_frames_total{kind="late"}`. */
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function demoEngine(o: DemoEngineOptions): Promise<DemoEngine> {
  const dataDir = await Deno.makeTempDir({ prefix: "sothebais-bench-" });
  const project = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const plugins = project.sothebais.plugins.map(
    (
      p: { name?: string; module?: string; enabled?: boolean; config?: Record<string, unknown> },
    ) => {
      const config = { ...p.config };
      if (p.name === "stream") {
        Object.assign(config, o.stream ?? {});
        if (o.testSignalSeconds) config.testSignal = { everySeconds: o.testSignalSeconds };
      }
      return {
        module: p.module ? new URL(p.module, ROOT).href : pluginModule(p.name!, ROOT),
        enabled: p.enabled ?? true,
        config,
      };
    },
  );
  const configPath = `${dataDir}/show.json`;
  await Deno.writeTextFile(configPath, JSON.stringify({ sothebais: { plugins } }));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("main.ts", ROOT).pathname, "start", "--config", configPath],
    cwd: ROOT.pathname,
    env: {
      DATA_DIR: `${dataDir}/data`,
      PORT: "0",
      LOG_FORMAT: "json",
      RTMP_URL: o.rtmpUrl,
      STREAM_KEY: o.streamKey,
      VIDEO_PROFILE: o.profile,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logs: string[] = [];
  let resolveUrl: (url: string) => void = () => {};
  const started = new Promise<string>((r) => (resolveUrl = r));
  const keep = (stream: ReadableStream<Uint8Array<ArrayBuffer>>) =>
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(chunk) {
          for (const line of chunk.split("\n")) {
            if (!line.trim()) continue;
            logs.push(line);
            if (logs.length > 20_000) logs.splice(0, 10_000);
            if (line.includes('"engine started"')) {
              try {
                resolveUrl(JSON.parse(line).url);
              } catch { /* not JSON */ }
            }
          }
        },
      }),
    ).catch(() => {});
  const reading = [keep(child.stdout), keep(child.stderr)];
  const url = await Promise.race([
    started,
    child.status.then((s) => {
      throw new Error(`the demo engine exited (${s.code}): ${logs.slice(-5).join("\n")}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the demo engine did not start in 120 s")), 120_000)
    ),
  ]);
  return {
    pid: child.pid,
    url,
    dataDir,
    logs,
    async metrics() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const out = new Map<string, number>();
      for (const line of text.split("\n")) {
        const m = line.match(/^([a-z_]+(?:\{[^}]*\})?) (-?[\d.e+-]+|NaN)$/);
        if (m) out.set(m[1], Number(m[2]));
      }
      return out;
    },
    async stop() {
      try {
        child.kill("SIGINT");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 15_000);
      await child.status;
      clearTimeout(timer);
      await Promise.allSettled(reading);
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** utime + stime of a process, in seconds; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** Resident memory of a process, MB. */
export function rssMb(pid: number): number {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Child processes of `parent` named `name` (e.g. the engine's ffmpeg). */
export function childPids(parent: number, name: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === name && ppid === parent) pids.push(Number(e.name));
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * Copies up to `seconds` of the live program from nginx-rtmp into `path` (FLV, no re-encode).
 * Never throws: what ffmpeg said when it ended early (e.g. the publisher reconnected).
 */
export async function capture(playUrl: string, seconds: number, path: string): Promise<string> {
  try {
    const out = await new Deno.Command("ffmpeg", {
      args: [
        "-hide_banner",
        "-loglevel",
        "warning",
        "-i",
        playUrl,
        "-t",
        String(seconds),
        "-c",
        "copy",
        "-y",
        path,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout((seconds + 60) * 1000),
    }).output();
    const said = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    return out.success ? said : `exit ${out.code}${out.signal ? ` ${out.signal}` : ""}: ${said}`;
  } catch (error) {
    return String(error);
  }
}
