/**
 * The soak: the demo show streamed for an hour (default) at 1080p30 to a local
 * nginx-rtmp, with the A/V test signal every minute. Prints, and writes as
 * JSON: frames late and dropped (target 0 dropped), the engine's RSS early
 * (after a 2-minute warm-up) and at the end (target growth < 5 %), the A/V
 * offset from captures of the program at the start and at the end (target
 * |offset| ≤ 40 ms), and ffmpeg restarts (target 0). A sample every 30 s
 * goes to `<out>.samples.jsonl` as it runs. A preview reader (the frame PNG
 * once a second) stands in for a panel watching, as in stream_profiles.ts.
 * Not part of CI.
 *
 *   deno run -A bench/soak.ts [--minutes 60] [--profile 1080p30] [--out data/soak.json]
 */
import { parseArgs } from "node:util";
import { quantile } from "../core/metrics.ts";
import { readAvOffsets } from "../plugins/stream/av_offset.ts";
import { nginxRtmp } from "../plugins/stream/tests/nginx_rtmp.ts";
import { capture, childPids, cpuSeconds, demoEngine, rssMb } from "./demo_engine.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "60" },
    profile: { type: "string", default: "1080p30" },
    out: { type: "string", default: "data/soak.json" },
  },
});
const minutes = Number(values.minutes);
const profile = values.profile as "720p30" | "1080p30" | "1080p60";
if (!(minutes >= 4 && minutes <= 600)) throw new Error("--minutes: 4 to 600");
if (!["720p30", "1080p30", "1080p60"].includes(profile)) throw new Error("--profile: unknown");
const out = values.out!;
await Deno.mkdir(out.slice(0, out.lastIndexOf("/")) || ".", { recursive: true });
const CAPTURE_S = 150;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const frames = (m: Map<string, number>, kind: string) =>
  m.get(`sothebais_stream_frames_total{kind="${kind}"}`) ?? NaN;

const nginx = await nginxRtmp({ record: false });
const engine = await demoEngine({
  profile,
  rtmpUrl: nginx.url,
  streamKey: "soak",
  testSignalSeconds: 60,
});
const samplesPath = out.replace(/\.json$/, "") + ".samples.jsonl";
await Deno.writeTextFile(samplesPath, "");
try {
  const until = performance.now() + 120_000;
  while ((await engine.metrics()).get('sothebais_stream_status{status="live"}') !== 1) {
    if (performance.now() > until) throw new Error("not live within 120 s");
    await sleep(500);
  }
  const began = performance.now();
  const first = await engine.metrics();
  const [ffmpeg0] = childPids(engine.pid, "ffmpeg");
  const cpu0 = { engine: cpuSeconds(engine.pid), ffmpeg: cpuSeconds(ffmpeg0) };
  const rssLive = rssMb(engine.pid);
  console.log(
    `soak: ${minutes} min of ${profile}, demo show to nginx-rtmp; live; RSS ${
      rssLive.toFixed(0)
    } MB`,
  );

  const play = `${nginx.url}/soak`;
  // Kept beside the results, to be read again (`deno run -A bench/av_offset.ts FILE`).
  const startCapture = out.replace(/\.json$/, "") + ".start.flv";
  const endCapture = out.replace(/\.json$/, "") + ".end.flv";
  const captures = [
    sleep(20_000).then(() => capture(play, CAPTURE_S, startCapture)),
    sleep(minutes * 60_000 - (CAPTURE_S + 10) * 1000).then(() =>
      capture(play, CAPTURE_S, endCapture)
    ),
  ];
  let previews = 0, watching = true;
  const watcher = (async () => {
    while (watching) {
      await sleep(1000);
      const png = await fetch(`${engine.url}/compositor/frame.png`).catch(() => null);
      if (png?.ok) previews++;
      await png?.body?.cancel();
    }
  })();
  let rssWarm = NaN;
  const speeds: number[] = [], loads: number[] = [];
  let cpuBefore = { at: performance.now(), ...cpu0 };
  while (performance.now() - began < minutes * 60_000) {
    await sleep(30_000);
    const m = await engine.metrics();
    const elapsedS = Math.round((performance.now() - began) / 1000);
    const [ffmpegPid] = childPids(engine.pid, "ffmpeg");
    const cpuNow = {
      at: performance.now(),
      engine: cpuSeconds(engine.pid),
      ffmpeg: cpuSeconds(ffmpegPid ?? 0),
    };
    const share = (k: "engine" | "ffmpeg") =>
      Math.round(((cpuNow[k] - cpuBefore[k]) / ((cpuNow.at - cpuBefore.at) / 1000)) * 100);
    const sample = {
      elapsedS,
      rssMb: Math.round(rssMb(engine.pid) * 10) / 10,
      ffmpegRssMb: Math.round(rssMb(ffmpegPid ?? 0) * 10) / 10,
      // % of a core over the last 30 s (the ffmpeg's a restart's own from its start).
      cpuEnginePct: share("engine"),
      cpuFfmpegPct: share("ffmpeg"),
      late: frames(m, "late") - frames(first, "late"),
      dropped: frames(m, "dropped") - frames(first, "dropped"),
      restarts: m.get("sothebais_stream_restarts_total"),
      encoderSpeed: m.get("sothebais_stream_encoder_speed"),
      activeFps: m.get("sothebais_stream_active_fps"),
      previews,
      load: Deno.loadavg()[0],
    };
    cpuBefore = cpuNow;
    if (sample.encoderSpeed) speeds.push(sample.encoderSpeed);
    loads.push(sample.load);
    if (Number.isNaN(rssWarm) && elapsedS >= 120) rssWarm = sample.rssMb;
    await Deno.writeTextFile(samplesPath, JSON.stringify(sample) + "\n", { append: true });
    console.log(JSON.stringify(sample));
  }
  const wall = (performance.now() - began) / 1000;
  watching = false;
  await watcher;
  const last = await engine.metrics();
  const [ffmpegNow] = childPids(engine.pid, "ffmpeg");
  const rssEnd = rssMb(engine.pid);
  const cpu = {
    engine: (cpuSeconds(engine.pid) - cpu0.engine) / wall,
    // After a restart the ffmpeg is another process: its share is then from its own start.
    ffmpeg: ffmpegNow === ffmpeg0 ? (cpuSeconds(ffmpegNow) - cpu0.ffmpeg) / wall : NaN,
  };
  const said = await Promise.all(captures);
  const offsets = async (path: string, i: number) => {
    try {
      // Paired within 29 s (the signal is every 60 s): a large offset is measured, not missed.
      const r = await readAvOffsets(path, 7200, 29);
      const ms = r.signals.map((s) => s.offsetMs).sort((a, b) => a - b);
      return { ...r, medianMs: ms.length ? quantile(ms, 0.5) : NaN, capture: said[i] };
    } catch (error) {
      return { error: String(error), capture: said[i] };
    }
  };
  const summary = {
    profile,
    minutes: Math.round(wall / 6) / 10,
    frames: {
      rendered: frames(last, "rendered") - frames(first, "rendered"),
      late: frames(last, "late") - frames(first, "late"),
      dropped: frames(last, "dropped") - frames(first, "dropped"),
    },
    restarts: (last.get("sothebais_stream_restarts_total") ?? 0) -
      (first.get("sothebais_stream_restarts_total") ?? 0),
    rssMb: {
      live: rssLive,
      warm: rssWarm,
      end: rssEnd,
      growthPct: Math.round(((rssEnd - rssWarm) / rssWarm) * 1000) / 10,
    },
    encoderSpeedMedian: speeds.length ? quantile([...speeds].sort((a, b) => a - b), 0.5) : NaN,
    cpuPctOfCore: { engine: Math.round(cpu.engine * 100), ffmpeg: Math.round(cpu.ffmpeg * 100) },
    avStart: await offsets(startCapture, 0),
    avEnd: await offsets(endCapture, 1),
    loadAvg1mMedian: loads.length ? quantile([...loads].sort((a, b) => a - b), 0.5) : NaN,
    loadAvgEnd: Deno.loadavg(),
  };
  await Deno.writeTextFile(out, JSON.stringify(summary, null, 2) + "\n");
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await engine.stop();
  await nginx.remove();
}
