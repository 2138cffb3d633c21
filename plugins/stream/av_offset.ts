/**
 * Reads the A/V sync test signal (test_signal.ts) back from a recording with
 * ffmpeg: the frames where the top-left corner turns white, the instants the
 * 1 kHz beep starts, both on the file's own timestamps (`-copyts`), paired
 * within half a second (or `pairWithinS`). The offset is audio − video: positive when the sound
 * comes after the picture. A signal is timed only from its rising edge with both tracks
 * recording: a flash already white on the first frame, a beep already sounding in the first
 * window, or either within a window of the other track's start, was cut by the recording's
 * start (a run that began mid-signal) and is left out, never timed late. Bounded: only the
 * corner is decoded for the video, the audio is read as mono 48 kHz, and at most `maxSeconds`
 * of either.
 */
import { BEEP_HZ } from "./test_signal.ts";

export interface AvSignal {
  videoS: number;
  audioS: number;
  offsetMs: number;
}

export interface AvOffsets {
  signals: AvSignal[];
  /** Flashes and beeps found whole (not cut by the recording's start), paired or not. */
  flashes: number;
  beeps: number;
}

const RATE = 48_000;
/** Goertzel window: 10 ms, ten 1 kHz cycles (narrow enough that speech rarely reaches LOUD). */
const WINDOW = 480;
/** Half the beep's amplitude (16000): a window half over the beep. */
const LOUD = 8000;
/** Onset resolution: 0.5 ms. */
const STEP = 24;

/** `pairWithinS`: how far a beep may be from its flash (at most half the signal's period). */
export async function readAvOffsets(
  path: string,
  maxSeconds = 7200,
  pairWithinS = 0.5,
): Promise<AvOffsets> {
  const [video, audio] = await Promise.all([
    flashTimes(path, maxSeconds),
    beepTimes(path, maxSeconds),
  ]);
  // A signal at the very start of one track may be cut on the other (a run that began
  // mid-signal, behind the encoder's first silent audio): timed a window after both begin.
  const flashes = video.times.filter((t) => t >= audio.startS + WINDOW / RATE);
  const beeps = audio.times.filter((t) => t >= video.startS + WINDOW / RATE);
  const signals: AvSignal[] = [];
  for (const videoS of flashes) {
    const near = beeps.filter((a) => Math.abs(a - videoS) < pairWithinS);
    const audioS = near.sort((a, b) => Math.abs(a - videoS) - Math.abs(b - videoS))[0];
    if (audioS !== undefined) {
      signals.push({ videoS, audioS, offsetMs: Math.round((audioS - videoS) * 10_000) / 10 });
    }
  }
  return { signals, flashes: flashes.length, beeps: beeps.length };
}

async function ffmpeg(
  args: string[],
  timeoutMs: number,
): Promise<{ out: Uint8Array; err: string }> {
  const r = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-nostdin", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`ffmpeg: ${err.slice(-500)}`);
  return { out: r.stdout, err };
}

/** What one track shows: when it starts (s), and the onsets (s) of whole signals in it. */
interface Onsets {
  startS: number;
  times: number[];
}

/** Times (s) of the first white frame of each flash in the top-left corner, after a dark one. */
async function flashTimes(path: string, maxSeconds: number): Promise<Onsets> {
  const { err } = await ffmpeg([
    "-copyts",
    "-t",
    String(maxSeconds),
    "-i",
    path,
    "-map",
    "0:v:0",
    // 16 px at 720p: inside the 32 px square at any size from 360 lines up.
    "-vf",
    "crop=iw/80:ih/45:2:2,showinfo",
    "-f",
    "null",
    "-",
  ], maxSeconds * 1000 + 60_000);
  const times: number[] = [];
  let startS = NaN;
  // Unknown before the first frame: a flash already on there began before the recording.
  let bright: boolean | undefined;
  for (const m of err.matchAll(/pts_time:\s*([-\d.]+).*?mean:\[(\d+)/g)) {
    const white = Number(m[2]) > 200;
    if (bright === undefined) startS = Number(m[1]);
    else if (white && !bright) times.push(Number(m[1]));
    bright = white;
  }
  if (!Number.isFinite(startS)) throw new Error(`no video in ${path}`);
  return { startS, times };
}

/** Times (s) each beep starts, after a second without one (or from a quiet start). */
async function beepTimes(path: string, maxSeconds: number): Promise<Onsets> {
  const probe = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-select_streams",
      "a:0",
      "-read_intervals",
      "%+#1",
      "-show_entries",
      "frame=pts_time",
      "-of",
      "csv=p=0",
      path,
    ],
    stdout: "piped",
    stderr: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const start = Number(new TextDecoder().decode(probe.stdout).trim().split("\n")[0]);
  if (!Number.isFinite(start)) throw new Error(`no audio in ${path}`);
  const { out } = await ffmpeg([
    "-t",
    String(maxSeconds),
    "-i",
    path,
    "-map",
    "0:a:0",
    "-ac",
    "1",
    "-ar",
    String(RATE),
    "-f",
    "s16le",
    "-",
  ], maxSeconds * 1000 + 60_000);
  const samples = new Int16Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 2));
  const times: number[] = [];
  let lastLoud = -Infinity;
  for (let w = 0; w + WINDOW <= samples.length; w += WINDOW) {
    if (goertzel(samples, w, WINDOW) < LOUD) continue;
    // A beep starts after a quiet second (or quiet from the start): find where the window
    // first covers half of it. One sounding in the first window began before the recording.
    if (w > 0 && w - lastLoud >= RATE) {
      let p = Math.max(0, w - WINDOW);
      while (p < w && goertzel(samples, p, WINDOW) < LOUD) p += STEP;
      times.push(start + (p + WINDOW / 2) / RATE);
    }
    lastLoud = w;
  }
  return { startS: start, times };
}

/** Amplitude of the BEEP_HZ component of `n` samples from `at`. */
function goertzel(s: Int16Array, at: number, n: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * BEEP_HZ) / RATE);
  let q1 = 0, q2 = 0;
  for (let i = 0; i < n; i++) {
    const q0 = coeff * q1 - q2 + s[at + i];
    q2 = q1;
    q1 = q0;
  }
  return (2 * Math.sqrt(Math.max(0, q1 * q1 + q2 * q2 - coeff * q1 * q2))) / n;
}
