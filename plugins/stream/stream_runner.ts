/**
 * Going live and stopping: one ffmpeg sink at a time on the frame loop (a go
 * live while one runs or starts is a no-op), the encoder picked once per go
 * live, the encoder settings from the picture's size and rate unless
 * configured, the recording's folder created and kept under its size cap.
 * Why it cannot go live at all (no ffmpeg, nowhere to send or record) is known
 * at start and logged once. The key is only in ffmpeg's argv, never logged.
 */
import type { Log } from "../../core/log.ts";
import type { Frames } from "../compositor/mod.ts";
import type { AudioPump } from "./audio_pump.ts";
import type { StreamConfig } from "./config.ts";
import { videoKbpsFor, x264PresetFor } from "./encoding.ts";
import { AUDIO_RATE, ffmpegArgs, maskedUrl } from "./ffmpeg_args.ts";
import { type FfmpegSink, ffmpegSink } from "./ffmpeg_sink.ts";
import { ffmpegInstalled, pickEncoder } from "./pick_encoder.ts";
import { segments } from "./recording.ts";
import { testSignal } from "./test_signal.ts";

export interface StreamRunnerOptions {
  config: StreamConfig;
  frames: Frames;
  audio: AudioPump;
  log: Log;
  /** The plugin's data folder; the recording goes to its `recordings/`. */
  dataDir: string;
}

export interface StreamRunner {
  /** Why it cannot go live, or null. */
  unavailable: string | null;
  /** The recording's folder when recording, else null. */
  recordingDir: string | null;
  queueLimit: number;
  /** The sink while live (or reconnecting); undefined when stopped. */
  sink(): FfmpegSink | undefined;
  /** The encoder the last go live picked. */
  encoder(): string | null;
  goLive(): Promise<void>;
  stop(): Promise<void>;
  /** Deletes the oldest recording segments past the size cap (while running). */
  prune(): void;
}

export async function streamRunner(o: StreamRunnerOptions): Promise<StreamRunner> {
  const { config, frames, log } = o;
  const recordingOn = config.recording?.enabled === true;
  const recordingDir = `${o.dataDir}/recordings`;
  const recorded = segments(recordingDir, config.recording?.maxMegabytes ?? 0);
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

  let sink: FfmpegSink | undefined;
  let encoder: string | null = null;
  let removeSink = () => {};
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
      audio: o.audio,
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
      args: (audioSocket) =>
        ffmpegArgs({
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
        }),
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
  let starting: Promise<void> | undefined;
  return {
    unavailable,
    recordingDir: recordingOn ? recordingDir : null,
    queueLimit,
    sink: () => sink,
    encoder: () => encoder,
    goLive: () => starting ??= start().finally(() => (starting = undefined)),
    async stop() {
      const running = sink;
      if (!running) return;
      sink = undefined;
      removeSink();
      removeSink = () => {};
      await running.stop();
      log.info("stream stopped");
    },
    prune() {
      if (!recordingOn || !sink) return;
      for (const name of recorded.prune()) {
        log.info("recording segment deleted (size cap)", { name });
      }
    },
  };
}
