/**
 * Reading a recorded program back with ffmpeg, for the host's audio and
 * avatar tests: the audio as 48 kHz mono PCM and its loud stretches (speech),
 * and the video's frames of one region as grey pixels. Invariant: each read is
 * one bounded ffmpeg run over a file (no stream, no wait on a live process).
 */
import { SAMPLE_RATE } from "../../voice/speech.ts";

/** 20 ms windows louder than this (RMS, dBFS) are speech; digital silence through AAC is far below. */
const LOUD_DB = -45;
const WINDOW = SAMPLE_RATE / 50;
/** Pauses between words shorter than this are inside one line. */
const MERGE_SECONDS = 0.6;

export interface Stretch {
  start: number;
  end: number;
}

/** The loud stretches of 48 kHz mono PCM, in seconds, word gaps merged. */
export function loudStretches(pcm: Int16Array): Stretch[] {
  const out: Stretch[] = [];
  for (let at = 0; at + WINDOW <= pcm.length; at += WINDOW) {
    let sum = 0;
    for (let i = at; i < at + WINDOW; i++) sum += pcm[i] * pcm[i];
    const db = 20 * Math.log10(Math.sqrt(sum / WINDOW) / 32768 || 1e-9);
    if (db < LOUD_DB) continue;
    const [start, end] = [at / SAMPLE_RATE, (at + WINDOW) / SAMPLE_RATE];
    const last = out.at(-1);
    if (last && start - last.end < MERGE_SECONDS) last.end = end;
    else out.push({ start, end });
  }
  return out;
}

export async function decodeAudio(file: string): Promise<Int16Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", file, "-map", "0:a", "-ac", "1", "-ar", String(SAMPLE_RATE)]
      .concat(["-f", "s16le", "pipe:1"]),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`ffmpeg: ${new TextDecoder().decode(out.stderr)}`);
  return new Int16Array(out.stdout.buffer, out.stdout.byteOffset, out.stdout.byteLength >> 1);
}

/** The frames of the region `[x, y, w, h]` (pixels) as grey bytes, one array a frame, at `fps`. */
export async function decodeFrames(
  file: string,
  region: [number, number, number, number],
  fps: number,
): Promise<Uint8Array[]> {
  const [x, y, w, h] = region;
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", file, "-map", "0:v", "-vf", `fps=${fps},crop=${w}:${h}:${x}:${y}`]
      .concat(["-pix_fmt", "gray", "-f", "rawvideo", "pipe:1"]),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`ffmpeg: ${new TextDecoder().decode(out.stderr)}`);
  const size = w * h;
  const frames: Uint8Array[] = [];
  for (let at = 0; at + size <= out.stdout.length; at += size) {
    frames.push(out.stdout.subarray(at, at + size));
  }
  return frames;
}
