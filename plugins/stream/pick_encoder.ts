/**
 * Chooses the H.264 encoder: NVENC when this ffmpeg lists it and a short probe
 * encode succeeds (listed is not enough: builds ship it without a GPU), else x264.
 */
import type { VideoEncoder } from "./ffmpeg_args.ts";

export async function pickEncoder(
  ffmpeg: string,
  prefer: "auto" | VideoEncoder = "auto",
): Promise<VideoEncoder> {
  if (prefer !== "auto") return prefer;
  const listed = await run(ffmpeg, ["-hide_banner", "-encoders"]);
  if (!listed.ok || !/\bh264_nvenc\b/.test(listed.stdout)) return "libx264";
  const probe = await run(ffmpeg, [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "color=c=black:s=640x360:r=30",
    "-frames:v",
    "5",
    "-c:v",
    "h264_nvenc",
    "-f",
    "null",
    "-",
  ]);
  return probe.ok ? "h264_nvenc" : "libx264";
}

/** True when `ffmpeg -version` runs. */
export async function ffmpegInstalled(ffmpeg: string): Promise<boolean> {
  return (await run(ffmpeg, ["-version"])).ok;
}

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(10_000),
    }).output();
    return { ok: out.success, stdout: new TextDecoder().decode(out.stdout) };
  } catch {
    return { ok: false, stdout: "" };
  }
}
