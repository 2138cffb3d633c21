/**
 * Benchmark: N seconds (default 60) of 720p30 from the engine through libx264
 * to a local nginx-rtmp. Prints frames late and dropped, the per-second
 * figures (fps, encoder speed, bit rate, congestion) as median / p95 / p99 /
 * worst, and CPU: the engine's own process, ffmpeg, and the whole machine.
 *
 *   deno run -A bench/stream_720p.ts [seconds] [--compositor] [--queue=N]
 *
 * By default frames come from the stream tests' synthetic compositor
 * (pre-drawn frames), so the figures are the cost of the sink and the encoder;
 * `--compositor` renders the real scenes as well, in the same process.
 */
import { eventually } from "../core/testing.ts";
import { quantile } from "../core/metrics.ts";
import { nginxRtmp } from "../plugins/stream/tests/nginx_rtmp.ts";
import { streamEngine } from "../plugins/stream/tests/stream_engine.ts";

const seconds = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 60);
const frames = Deno.args.includes("--compositor") ? "compositor" : "synthetic";
const queueLimit = Number(Deno.args.find((a) => a.startsWith("--queue="))?.slice(8) ?? 6);
const TICK = 100; // USER_HZ on Linux

/** utime + stime of a process, in seconds. */
function cpuOf(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

function ffmpegPids(): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "ffmpeg" && ppid === Deno.pid) pids.push(Number(e.name));
    } catch { /* gone */ }
  }
  return pids;
}

/** [busy, total] jiffies of the whole machine. */
function machine(): [number, number] {
  const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1)
    .map(Number);
  const idle = cpu[3] + cpu[4];
  const total = cpu.reduce((a, b) => a + b, 0);
  return [total - idle, total];
}

const nginx = await nginxRtmp();
const engine = await streamEngine(
  { rtmpUrl: nginx.url, streamKey: "${STREAM_KEY}", encoder: "libx264", queueLimit },
  { STREAM_KEY: "bench" },
  frames,
);
try {
  await eventually(() => engine.latest()?.status === "live", "live", 15_000, 100);
  const [pid] = ffmpegPids();
  const first = engine.latest()!;
  const startIndex = engine.stats.length;
  const t0 = performance.now();
  const self0 = cpuOf("self");
  const ff0 = cpuOf(pid);
  const [busy0, total0] = machine();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  const selfCpu = (cpuOf("self") - self0) / wall;
  const ffCpu = (cpuOf(pid) - ff0) / wall;
  const [busy1, total1] = machine();
  const last = engine.latest()!;
  const window = engine.stats.slice(startIndex);

  const row = (name: string, values: number[], unit = "") => {
    const s = [...values].sort((a, b) => a - b);
    const f = (n: number) => `${Math.round(n * 100) / 100}${unit}`;
    console.log(
      `${name.padEnd(22)} median ${f(quantile(s, 0.5))}  p95 ${f(quantile(s, 0.95))}  ` +
        `p99 ${f(quantile(s, 0.99))}  min ${f(s[0])}  max ${f(s.at(-1)!)}`,
    );
  };
  console.log(
    `stream_720p: ${
      Math.round(wall)
    } s of 1280x720 @ 30 fps, ${last.encoder}, 4500k CBR, ${frames} frames, queue ${queueLimit}`,
  );
  console.log(`frames rendered        ${last.frames.rendered - first.frames.rendered}`);
  console.log(`frames late            ${last.frames.late - first.frames.late}`);
  console.log(`frames dropped         ${last.frames.dropped - first.frames.dropped}`);
  console.log(`ffmpeg restarts        ${last.restarts - first.restarts}`);
  row("active fps (per s)", window.map((s) => s.activeFps));
  row("encoder speed", window.map((s) => s.encoderSpeed), "x");
  row("output kbit/s", window.map((s) => s.outputKbps));
  row("congestion", window.map((s) => s.congestion));
  row("loop render p95 ms", window.map((s) => s.renderMs.p95));
  console.log(`CPU engine (deno)      ${Math.round(selfCpu * 100)} % of one core`);
  console.log(`CPU ffmpeg             ${Math.round(ffCpu * 100)} % of one core`);
  console.log(
    `CPU machine            ${
      Math.round(((busy1 - busy0) / (total1 - total0)) * 100)
    } % of ${navigator.hardwareConcurrency} cores`,
  );
} finally {
  await engine.stop();
  await nginx.remove();
}
