/**
 * The program's local recording: MP4 segments of `segmentSeconds` (fragmented,
 * so a crash loses at most the last fragment) in one folder, named by their
 * start time, the oldest deleted once the folder passes `maxMegabytes`. Only
 * files this recording names (`program-YYYYMMDD-HHMMSS.mp4`) are counted or
 * deleted; the newest (being written) never is.
 */

export interface RecordingConfig {
  enabled: boolean;
  segmentSeconds: number;
  maxMegabytes: number;
}

const SEGMENT = /^program-\d{8}-\d{6}\.mp4$/;

/** The output pattern ffmpeg fills in (strftime). */
export function segmentPattern(dir: string): string {
  return `${dir}/program-%Y%m%d-%H%M%S.mp4`;
}

/** The segment muxer's options, as `key=value` pairs (joined by `:` in tee, flags outside). */
export function segmentOptions(segmentSeconds: number): Array<[string, string]> {
  return [
    ["f", "segment"],
    ["segment_time", String(segmentSeconds)],
    ["segment_format", "mp4"],
    ["reset_timestamps", "1"],
    ["strftime", "1"],
    ["segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof"],
  ];
}

export interface Segments {
  /** Bytes written since this recorder started (deleted segments included): for the bit rate. */
  written(): number;
  /** Deletes the oldest segments past the cap; returns the names deleted. */
  prune(): string[];
  /** Segments now, oldest first. */
  list(): Array<{ name: string; bytes: number }>;
}

export function segments(dir: string, maxMegabytes: number): Segments {
  let deleted = 0;
  const list = () => {
    const found: Array<{ name: string; bytes: number }> = [];
    try {
      for (const e of Deno.readDirSync(dir)) {
        if (!e.isFile || !SEGMENT.test(e.name)) continue;
        try {
          found.push({ name: e.name, bytes: Deno.statSync(`${dir}/${e.name}`).size });
        } catch { /* gone meanwhile */ }
      }
    } catch { /* no folder yet */ }
    return found.sort((a, b) => (a.name < b.name ? -1 : 1));
  };
  return {
    list,
    written: () => deleted + list().reduce((n, s) => n + s.bytes, 0),
    prune() {
      const all = list();
      let total = all.reduce((n, s) => n + s.bytes, 0);
      const removed: string[] = [];
      for (const s of all.slice(0, -1)) {
        if (total <= maxMegabytes * 1024 * 1024) break;
        try {
          Deno.removeSync(`${dir}/${s.name}`);
          total -= s.bytes;
          deleted += s.bytes;
          removed.push(s.name);
        } catch { /* gone meanwhile */ }
      }
      return removed;
    },
  };
}
