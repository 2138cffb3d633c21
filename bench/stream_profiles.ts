/**
 * The demo show streamed to a local nginx-rtmp for N seconds (default 600) in
 * one video profile, with a preview reader (GET /compositor/frame.png once a
 * second, standing in for a panel watching). Prints frames rendered, late and
 * dropped, encoder speed and output kbit/s (median / p5 of per-second
 * samples), render time a frame, and CPU of the engine, its ffmpeg and the
 * whole machine. Not CI.
 *
 *   deno run -A bench/stream_profiles.ts --profile 1080p30 [--seconds 600]
 */
import { parseArgs } from "node:util";
import { quantile } from "../core/metrics.ts";
import { nginxRtmp } from "../plugins/stream/tests/nginx_rtmp.ts";
import { childPids, cpuSeconds, demoEngine } from "./demo_engine.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    profile: { type: "string", default: "1080p30" },
    seconds: { type: "string", default: "600" },
  },
});
const profile = values.profile as "720p30" | "1080p30" | "1080p60";
const seconds = Number(values.seconds);
if (!["720p30", "1080p30", "1080p60"].includes(profile)) throw new Error("--profile: unknown");
if (!(seconds >= 10 && seconds <= 7200)) throw new Error("--seconds: 10 to 7200");

/** [busy, total] jiffies of the whole machine. */
function machine(): [number, number] {
  const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1)
    .map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return [total - cpu[3] - cpu[4], total];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const frames = (m: Map<string, number>, kind: string) =>
  m.get(`sothebais_stream_frames_total{kind="${kind}"}`) ?? NaN;

const nginx = await nginxRtmp({ record: false });
const engine = await demoEngine({ profile, rtmpUrl: nginx.url, streamKey: "bench" });
try {
  const until = performance.now() + 120_000;
  while ((await engine.metrics()).get('sothebais_stream_status{status="live"}') !== 1) {
    if (performance.now() > until) throw new Error("not live within 120 s");
    await sleep(500);
  }
  await sleep(10_000); // past the encoder's start
  const first = await engine.metrics();
  const [ffmpeg] = childPids(engine.pid, "ffmpeg");
  const cpu0 = [cpuSeconds(engine.pid), cpuSeconds(ffmpeg)];
  const [busy0, total0] = machine();
  const t0 = performance.now();
  const speed: number[] = [], kbps: number[] = [], fps: number[] = [];
  const renderAvg: number[] = [], renderP95: number[] = [];
  let previews = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    const png = await fetch(`${engine.url}/compositor/frame.png`);
    if (png.ok) previews++;
    await png.body?.cancel();
    const m = await engine.metrics();
    speed.push(m.get("sothebais_stream_encoder_speed") ?? NaN);
    kbps.push(m.get("sothebais_stream_output_kbps") ?? NaN);
    fps.push(m.get("sothebais_stream_active_fps") ?? NaN);
    renderAvg.push(m.get('sothebais_stream_render_ms{stat="avg"}') ?? NaN);
    renderP95.push(m.get('sothebais_stream_render_ms{stat="p95"}') ?? NaN);
  }
  const wall = (performance.now() - t0) / 1000;
  const last = await engine.metrics();
  const [busy1, total1] = machine();
  const sameFfmpeg = childPids(engine.pid, "ffmpeg")[0] === ffmpeg;
  const stat = (xs: number[]) => {
    const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return `median ${quantile(s, 0.5)}  p5 ${quantile(s, 0.05)}  min ${s[0]}`;
  };
  const load = Deno.loadavg();
  console.log(`stream_profiles: ${Math.round(wall)} s of ${profile}, demo show → nginx-rtmp`);
  console.log(`frames rendered   ${frames(last, "rendered") - frames(first, "rendered")}`);
  console.log(`frames late       ${frames(last, "late") - frames(first, "late")}`);
  console.log(`frames dropped    ${frames(last, "dropped") - frames(first, "dropped")}`);
  console.log(
    `ffmpeg restarts   ${
      (last.get("sothebais_stream_restarts_total") ?? 0) -
      (first.get("sothebais_stream_restarts_total") ?? 0)
    }`,
  );
  console.log(`active fps        ${stat(fps)}`);
  console.log(`encoder speed     ${stat(speed)}`);
  console.log(`output kbit/s     ${stat(kbps)}`);
  // Where the engine's time goes: rendering a frame (the rest is copies and pipe writes).
  console.log(`render ms, avg    ${stat(renderAvg)}`);
  console.log(`render ms, p95    ${stat(renderP95)}`);
  console.log(`previews read     ${previews}`);
  console.log(
    `CPU engine        ${
      Math.round(((cpuSeconds(engine.pid) - cpu0[0]) / wall) * 100)
    } % of a core`,
  );
  console.log(
    `CPU ffmpeg        ${
      sameFfmpeg ? Math.round(((cpuSeconds(ffmpeg) - cpu0[1]) / wall) * 100) : "n/a (restarted)"
    } % of a core`,
  );
  console.log(
    `CPU machine       ${
      Math.round(((busy1 - busy0) / (total1 - total0)) * 100)
    } % of ${navigator.hardwareConcurrency} cores; load average ${
      load.map((l) => l.toFixed(1)).join(" ")
    }`,
  );
} finally {
  await engine.stop();
  await nginx.remove();
}
