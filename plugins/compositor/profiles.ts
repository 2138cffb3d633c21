/**
 * Video profiles: one name picks the canvas size and frame rate (and, in the
 * stream plugin, the encoder's settings). Widgets lay out by `scale` = frame
 * height / 720, so every profile draws the same picture at its own size.
 */
export const VIDEO_PROFILES = {
  "720p30": { width: 1280, height: 720, fps: 30 },
  "1080p30": { width: 1920, height: 1080, fps: 30 },
  "1080p60": { width: 1920, height: 1080, fps: 60 },
} as const;

export type VideoProfile = keyof typeof VIDEO_PROFILES;
export const PROFILE_NAMES = Object.keys(VIDEO_PROFILES) as [VideoProfile, ...VideoProfile[]];

export interface Geometry {
  width: number;
  height: number;
  fps: number;
}

/** The profile's geometry; explicit width, height or fps (tests, odd outputs) win over it. */
export function resolveGeometry(
  profile: VideoProfile,
  explicit: Partial<Geometry>,
): Geometry {
  const base = VIDEO_PROFILES[profile];
  return {
    width: explicit.width ?? base.width,
    height: explicit.height ?? base.height,
    fps: explicit.fps ?? base.fps,
  };
}
