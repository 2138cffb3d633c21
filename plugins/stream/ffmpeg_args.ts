/**
 * The ffmpeg command line for one stream run: raw RGBA video on stdin, the
 * host's audio (s16le mono 48 kHz) from a Unix socket, encoded for X's RTMP
 * ingest and optionally teed to the local recording (MP4 segments; a failing
 * recording never stops the stream, a failing ingest always ends the run).
 */

import { segmentOptions, segmentPattern } from "./recording.ts";

export type VideoEncoder = "h264_nvenc" | "libx264";

export interface FfmpegArgsOptions {
  width: number;
  height: number;
  fps: number;
  encoder: VideoEncoder;
  /** x264's speed preset (ignored by NVENC); default veryfast. */
  preset?: string;
  /** Constant bit rate of the video, kbit/s. */
  videoKbps: number;
  audioKbps: number;
  /** Seconds between keyframes (X asks for 3). */
  keyframeSeconds: number;
  /** Where ffmpeg reads the audio: a Unix socket path it connects to. */
  audioSocket: string;
  /** The full ingest URL, stream key included. Never log it. */
  outputUrl?: string;
  /** The local recording: MP4 segments of `segmentSeconds` in `dir` (recording.ts). */
  recording?: { dir: string; segmentSeconds: number };
}

export const AUDIO_RATE = 48000;

export function ffmpegArgs(o: FfmpegArgsOptions): string[] {
  const gop = Math.round(o.fps * o.keyframeSeconds);
  const rate = `${o.videoKbps}k`;
  // Tiny probes: with two raw inputs ffmpeg would otherwise wait for seconds of each.
  const probe = ["-probesize", "32", "-analyzeduration", "0"];
  // ffmpeg's own input queue: a few frames of video (each is 8 MB at 1080p; 512 of them grew
  // ffmpeg past 1.5 GB when the encoder fell behind, hiding the backlog from our counted queue),
  // plenty of small audio packets.
  const videoInput = [...probe, "-thread_queue_size", "8"];
  const audioInput = [...probe, "-thread_queue_size", "512"];
  const video = o.encoder === "h264_nvenc"
    ? ["-c:v", "h264_nvenc", "-preset", "p4", "-tune", "ll", "-rc", "cbr", "-forced-idr", "1"]
    : [
      "-c:v",
      "libx264",
      "-preset",
      o.preset ?? "veryfast",
      "-tune",
      "zerolatency",
      "-x264-params",
      "nal-hrd=cbr",
    ];
  const segment = o.recording ? segmentOptions(o.recording.segmentSeconds) : [];
  const pattern = o.recording ? segmentPattern(o.recording.dir) : "";
  const output = o.outputUrl && o.recording
    ? [
      "-flags",
      "+global_header",
      "-f",
      "tee",
      `[f=flv:onfail=abort]${teeEscape(o.outputUrl)}|` +
      `[${
        segment.map(([k, v]) => `${k}=${v.replace(/[=:\\]/g, (c) => `\\${c}`)}`).join(":")
      }:onfail=ignore]${teeEscape(pattern)}`,
    ]
    : o.outputUrl
    ? ["-f", "flv", o.outputUrl]
    : o.recording
    ? [...segment.flatMap(([k, v]) => [`-${k}`, v]), pattern]
    : (() => {
      throw new Error("ffmpegArgs: give an output URL or a recording");
    })();
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "warning",
    "-progress",
    "pipe:1",
    "-stats_period",
    "1",
    ...videoInput,
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgba",
    "-video_size",
    `${o.width}x${o.height}`,
    "-framerate",
    String(o.fps),
    "-i",
    "pipe:0",
    ...audioInput,
    "-f",
    "s16le",
    "-ar",
    String(AUDIO_RATE),
    "-ch_layout",
    "mono",
    "-i",
    `unix:${o.audioSocket}`,
    "-map",
    "0:v",
    "-map",
    "1:a",
    ...video,
    "-pix_fmt",
    "yuv420p",
    "-r",
    String(o.fps),
    "-b:v",
    rate,
    "-minrate",
    rate,
    "-maxrate",
    rate,
    "-bufsize",
    rate,
    "-g",
    String(gop),
    "-keyint_min",
    String(gop),
    "-sc_threshold",
    "0",
    "-c:a",
    "aac",
    "-b:a",
    `${o.audioKbps}k`,
    "-ar",
    String(AUDIO_RATE),
    "-ac",
    "2",
    ...output,
  ];
}

/** Tee's slave list treats `|`, `[`, `]` and `\` as syntax. */
function teeEscape(text: string): string {
  return text.replace(/[\\|[\]]/g, (c) => `\\${c}`);
}

/** The ingest URL with the key replaced, for logs. */
export function maskedUrl(url: string, key?: string): string {
  return key ? url.split(key).join("****") : url;
}
