/**
 * Reads ffmpeg's `-progress` output: blocks of `key=value` lines, each closed
 * by `progress=continue` (or `end`), about once a second with `-stats_period 1`.
 */

export interface EncoderProgress {
  /** Frames encoded so far in this run. */
  frame: number;
  fps: number;
  /** Encoding speed as a multiple of real time (1 = keeping up). */
  speed: number;
  /** Output bit rate, kbit/s. */
  bitrateKbps: number;
  totalBytes: number;
  /** Output time reached, microseconds. */
  outTimeUs: number;
  dupFrames: number;
  dropFrames: number;
  ended: boolean;
}

/** Returns a function to feed text chunks; `onBlock` gets each complete block. */
export function progressParser(onBlock: (p: EncoderProgress) => void): (chunk: string) => void {
  let pending = "";
  let fields = new Map<string, string>();
  return (chunk) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const eq = line.indexOf("=");
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      fields.set(key, value);
      if (key === "progress") {
        onBlock(toProgress(fields));
        fields = new Map();
      }
    }
  };
}

function toProgress(f: Map<string, string>): EncoderProgress {
  const num = (key: string) => {
    const n = parseFloat(f.get(key) ?? "");
    return Number.isFinite(n) ? n : 0;
  };
  return {
    frame: num("frame"),
    fps: num("fps"),
    speed: num("speed"), // "1.01x" parses as 1.01; "N/A" as 0
    bitrateKbps: num("bitrate"), // "4512.3kbits/s"
    totalBytes: num("total_size"),
    outTimeUs: num("out_time_us"),
    dupFrames: num("dup_frames"),
    dropFrames: num("drop_frames"),
    ended: f.get("progress") === "end",
  };
}
