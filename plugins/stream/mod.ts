/**
 * stream: the ffmpeg sink. Takes the compositor's frames and the voice's audio,
 * encodes them for X's RTMP ingest (optionally recording locally), restarts
 * ffmpeg after OBS's back-off when it exits or the ingest drops, and reports
 * stream health every second as `stream.stats` and in `/metrics`.
 * Without ffmpeg (or without an ingest URL) the engine runs preview-only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import type { Frames } from "../compositor/mod.ts";
import type { Audio } from "../voice/mod.ts";
import { audioPump } from "./audio_pump.ts";
import { checkStream } from "./check.ts";
import { MAX_VIDEO_KBPS, videoKbpsFor, X264_PRESETS, x264PresetFor } from "./encoding.ts";
import { AUDIO_RATE, ffmpegArgs, maskedUrl } from "./ffmpeg_args.ts";
import { segments } from "./recording.ts";
import { testSignal } from "./test_signal.ts";
import { type FfmpegSink, ffmpegSink } from "./ffmpeg_sink.ts";
import { ffmpegInstalled, pickEncoder } from "./pick_encoder.ts";
import { type StreamStats, streamStats, type StreamStatus } from "./stream_stats.ts";
import { streamEvents } from "./events.ts";

export type { StreamStats, StreamStatus };

/** The `stream` service: go live and stop (the admin panel's controls), and the health now. */
export interface StreamControl {
  /** Why it cannot go live (no ffmpeg, no ingest or recording configured), or null. */
  unavailable: string | null;
  stats(): StreamStats;
  /** Starts ffmpeg (a no-op when already running); throws when `unavailable`. */
  goLive(): Promise<void>;
  /** Ends the stream cleanly; the frame loop goes on. */
  stop(): Promise<void>;
}

declare module "../../core/plugin.ts" {
  interface Services {
    stream: StreamControl;
  }
}

export const streamConfig = z.object({
  /** The ingest, e.g. rtmp://… from X Media Studio; unset means preview-only. */
  rtmpUrl: z.string().regex(/^rtmps?:\/\//, "must be an rtmp:// or rtmps:// URL").optional(),
  /** Appended to rtmpUrl as its last path segment. From the environment only. */
  streamKey: z.string().optional(),
  /** CBR video; default by the picture's pixel rate (4500 at 720p30, 6000 at 1080p30, 9000 at 1080p60). */
  videoKbps: z.number().int().min(2500).max(MAX_VIDEO_KBPS).optional(),
  /** x264's preset; default by pixel rate so two cores keep up (see encoding.ts). */
  x264Preset: z.enum(X264_PRESETS).optional(),
  audioKbps: z.number().int().min(64).max(320).default(128),
  keyframeSeconds: z.number().positive().default(3),
  encoder: z.enum(["auto", "libx264", "h264_nvenc"]).default("auto"),
  ffmpegPath: z.string().default("ffmpeg"),
  /**
   * The program recorded locally beside the stream: MP4 segments under the data folder
   * (`<DATA_DIR>/stream/recordings/`), the oldest deleted past `maxMegabytes`.
   */
  recording: z.strictObject({
    enabled: z.boolean().default(false),
    segmentSeconds: z.number().int().min(2).max(3600).default(300),
    maxMegabytes: z.number().int().min(10).max(10_000_000).default(4096),
  }).optional(),
  /** Frames waiting for ffmpeg before new ones drop: 200 ms at 30 fps rides out encoder hiccups. */
  /** Default: half a second of frames (15 at 30 fps, 30 at 60), riding out a busy machine. */
  queueLimit: z.number().int().min(1).max(60).optional(),
  /** Output that has not advanced for this long counts as a dropped ingest. */
  stallSeconds: z.number().positive().default(10),
  /**
   * The A/V sync test signal (a corner flash and a beep at the same instant, every
   * `everySeconds`), for measurements: `bench/av_offset.ts` reads it back. Off unless set.
   */
  testSignal: z.strictObject({ everySeconds: z.number().int().min(2).max(3600).default(60) })
    .optional(),
  /** Go live at start; false waits for an operator's go live (the `stream` service). */
  autoStart: z.boolean().default(true),
});

export default definePlugin({
  name: "stream",
  config: streamConfig,
  events: streamEvents,
  emits: ["stream.stats"],
  needs: ["frames", "audio"],
  provides: ["stream"],
  check: ({ config, timeoutMs }) => checkStream(config, timeoutMs),
  async setup({ config, bus, log, metrics, state, health, dataDir, use, provide, page }) {
    const frames = use("frames") as Frames;
    const audio = use("audio") as Audio;
    const pump = audioPump(audio);

    let sink: FfmpegSink | undefined;
    let encoder: string | null = null;
    let removeSink = () => {};
    const recordingOn = config.recording?.enabled === true;
    const recordingDir = `${dataDir}/recordings`;
    const recorded = segments(recordingDir, config.recording?.maxMegabytes ?? 0);
    // The terminal says where the show is recorded (a file URL: any player opens the segments).
    if (recordingOn) page("recording", new URL(`file://${recordingDir}/`).href);
    const queueLimit = config.queueLimit ?? Math.max(6, Math.round(frames.fps / 2));
    const videoKbps = config.videoKbps ?? videoKbpsFor(frames.width, frames.height, frames.fps);
    const preset = config.x264Preset ?? x264PresetFor(frames.width, frames.height, frames.fps);
    const installed = await ffmpegInstalled(config.ffmpegPath);
    const unavailable = !installed
      ? `ffmpeg not found (${config.ffmpegPath})`
      : !config.rtmpUrl && !recordingOn
      ? "no RTMP_URL and no recording configured"
      : null;
    if (unavailable) log.warn(`${unavailable}: PREVIEW ONLY, nothing is streamed`);
    const url = config.rtmpUrl
      ? (config.streamKey
        ? `${config.rtmpUrl.replace(/\/+$/, "")}/${config.streamKey}`
        : config.rtmpUrl)
      : undefined;

    let starting: Promise<void> | undefined;
    const goLive = () => starting ??= start().finally(() => (starting = undefined));
    const start = async () => {
      if (unavailable) throw new Error(`cannot go live: ${unavailable}`);
      if (sink) return;
      const picked = await pickEncoder(config.ffmpegPath, config.encoder);
      encoder = picked;
      if (recordingOn) await Deno.mkdir(recordingDir, { recursive: true });
      sink = ffmpegSink({
        ffmpeg: config.ffmpegPath,
        width: frames.width,
        height: frames.height,
        fps: frames.fps,
        audio: pump,
        log,
        queueLimit,
        stallMs: config.stallSeconds * 1000,
        secret: config.streamKey,
        recordingBytes: recordingOn ? () => recorded.written() : undefined,
        signal: config.testSignal
          ? testSignal(config.testSignal.everySeconds, frames.fps, frames.loop.slotTime)
          : undefined,
        slotTime: frames.loop.slotTime,
        audioRate: AUDIO_RATE,
        args: (audioSocket) => {
          return ffmpegArgs({
            width: frames.width,
            height: frames.height,
            fps: frames.fps,
            encoder: picked,
            preset,
            videoKbps,
            audioKbps: config.audioKbps,
            keyframeSeconds: config.keyframeSeconds,
            audioSocket,
            outputUrl: url,
            recording: recordingOn
              ? { dir: recordingDir, segmentSeconds: config.recording!.segmentSeconds }
              : undefined,
          });
        },
      });
      removeSink = frames.loop.addSink(sink.sink);
      log.info("streaming", {
        encoder: picked,
        to: url ? maskedUrl(url, config.streamKey) : null,
        recording: recordingOn ? recordingDir : null,
        size: `${frames.width}x${frames.height}`,
        fps: frames.fps,
        videoKbps,
        preset: picked === "libx264" ? preset : null,
      });
    };
    const stop = async () => {
      const running = sink;
      if (!running) return;
      sink = undefined;
      removeSink();
      removeSink = () => {};
      await running.stop();
      log.info("stream stopped");
    };
    if (!unavailable && config.autoStart) await goLive();

    let latest: StreamStats | undefined;
    let lastStatus: StreamStatus | undefined;
    const measure = (): StreamStats =>
      streamStats({
        status: unavailable
          ? "preview-only"
          : !sink
          ? "off"
          : sink.live()
          ? "live"
          : "reconnecting",
        encoder,
        loop: frames.loop.stats(),
        progress: sink?.progress() ?? null,
        restarts: sink?.restarts() ?? 0,
        queue: sink?.sink.depth() ?? { queued: 0, limit: queueLimit },
      });
    const tick = () => {
      if (recordingOn && sink) {
        for (const name of recorded.prune()) {
          log.info("recording segment deleted (size cap)", { name });
        }
      }
      latest = measure();
      if (latest.status !== lastStatus) {
        const level = latest.status === "reconnecting" && lastStatus ? "warn" : "info";
        log[level](`stream ${latest.status}`, { restarts: latest.restarts });
        lastStatus = latest.status;
      }
      bus.emit("stream.stats", latest);
      state.set("stream:stats", JSON.stringify(latest), { ttlMs: 10_000 }).catch(() => {});
    };
    // Real seconds, not the engine's clock: the stream runs in real time even in a rehearsal.
    const timer = setInterval(tick, 1000);

    const now = () => (latest ??= measure());
    const gauge = (name: string, help: string, read: () => number, type?: "counter") =>
      metrics.gauge(`sothebais_stream_${name}`, help, read, type);
    gauge("active_fps", "Frames rendered in the last second", () => now().activeFps);
    gauge("target_fps", "The frame rate the loop aims for", () => now().targetFps);
    metrics.gauge("sothebais_stream_render_ms", "Render time per frame (ms)", () => {
      const r = now().renderMs;
      return [[{ stat: "avg" }, r.avg], [{ stat: "p95" }, r.p95], [{ stat: "max" }, r.max]];
    });
    metrics.gauge(
      "sothebais_stream_frames_total",
      "Frames rendered, late, failed and dropped",
      () => {
        const f = now().frames;
        return [
          [{ kind: "rendered" }, f.rendered],
          [{ kind: "late" }, f.late],
          [{ kind: "failed" }, f.failed],
          [{ kind: "dropped" }, f.dropped],
        ];
      },
      "counter",
    );
    gauge("encoder_speed", "Encoding speed as a multiple of real time", () => now().encoderSpeed);
    gauge("output_kbps", "Output bit rate (kbit/s)", () => now().outputKbps);
    gauge("restarts_total", "ffmpeg restarts", () => now().restarts, "counter");
    gauge("congestion", "Encoder queue depth as a fraction of its limit", () => now().congestion);
    metrics.gauge(
      "sothebais_stream_status",
      "1 for the current status",
      () =>
        (["live", "reconnecting", "preview-only", "off"] as const).map((s) => [
          { status: s },
          now().status === s ? 1 : 0,
        ]),
    );
    gauge("warnings", "Health warnings now (OBS thresholds)", () => now().warnings.length);
    health("stream", () => {
      const s = now();
      return { ok: true, status: s.status, restarts: s.restarts, warnings: s.warnings };
    });

    provide("stream", {
      unavailable,
      stats: () => (latest = measure()),
      goLive,
      stop,
    });

    return async () => {
      clearInterval(timer);
      await stop();
      pump.stop();
    };
  },
});
