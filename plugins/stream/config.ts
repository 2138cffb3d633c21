/**
 * The stream plugin's config (validated at start: an ingest URL must be rtmp://
 * or rtmps://, rates within X's limits) and the schema of its `stream.stats`
 * event. The stream key comes from the environment and is never logged.
 */
import { z } from "zod";
import { MAX_VIDEO_KBPS, X264_PRESETS } from "./encoding.ts";

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

export type StreamConfig = z.infer<typeof streamConfig>;
