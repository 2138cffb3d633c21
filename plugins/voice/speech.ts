/**
 * Speech synthesis with espeak-ng: text in, 16-bit mono PCM at 48 kHz out
 * (and that PCM as a WAV file, for a person to hear the same voice off air).
 * The text is always passed after `--`, so no text is ever read as an option.
 */
import { resample } from "./resample.ts";

export interface SpeechOptions {
  espeak: string;
  voice: string;
  wordsPerMinute: number;
  pitch: number;
}

export const SAMPLE_RATE = 48000;

export async function speech(text: string, o: SpeechOptions): Promise<Int16Array> {
  const out = await new Deno.Command(o.espeak, {
    args: [
      "--stdout",
      "-v",
      o.voice,
      "-s",
      String(o.wordsPerMinute),
      "-p",
      String(o.pitch),
      "--",
      text,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  if (!out.success) {
    throw new Error(`espeak-ng failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  const { rate, pcm } = readWav(out.stdout);
  return resample(pcm, rate, SAMPLE_RATE);
}

/**
 * The PCM of a 16-bit mono WAV. espeak-ng writing to a pipe cannot seek back to
 * fill in sizes, so the data chunk runs to the end of the bytes whatever it claims.
 */
export function readWav(bytes: Uint8Array): { rate: number; pcm: Int16Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("not a WAV");
  let at = 12;
  let rate = 0;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    if (id === "fmt ") {
      const channels = view.getUint16(at + 10, true);
      const bits = view.getUint16(at + 22, true);
      if (channels !== 1 || bits !== 16) throw new Error(`WAV is ${channels}ch ${bits}-bit`);
      rate = view.getUint32(at + 12, true);
    } else if (id === "data") {
      if (!rate) throw new Error("WAV data before its format");
      const start = at + 8;
      const samples = Math.floor((bytes.length - start) / 2);
      const pcm = new Int16Array(samples);
      for (let i = 0; i < samples; i++) pcm[i] = view.getInt16(start + i * 2, true);
      return { rate, pcm };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error("WAV has no data");
}

/** 16-bit mono PCM as a WAV file. */
export function writeWav(pcm: Int16Array, rate: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(44 + pcm.length * 2);
  const view = new DataView(bytes.buffer);
  const tag = (at: number, t: string) =>
    [...t].forEach((ch, i) => (bytes[at + i] = ch.charCodeAt(0)));
  tag(0, "RIFF");
  view.setUint32(4, 36 + pcm.length * 2, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  tag(36, "data");
  view.setUint32(40, pcm.length * 2, true);
  for (let i = 0; i < pcm.length; i++) view.setInt16(44 + i * 2, pcm[i], true);
  return bytes;
}
