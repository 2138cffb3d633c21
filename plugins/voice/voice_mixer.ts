/**
 * The host's audio timeline: utterances queued one after another over
 * silence, played as `read` is called (the stream's audio pump calls it at
 * real time). Reports the speech level about 30 times a second of audio, and
 * 0 when an utterance ends, so the avatar's mouth follows what is heard.
 */

export interface Utterance {
  utteranceId: string;
  pcm: Int16Array;
}

export interface VoiceMixer {
  enqueue(u: Utterance): void;
  read(samples: number): Int16Array;
  /** Samples still to play. */
  queued(): number;
  /**
   * Stops an utterance: not yet started, it is removed; playing, it ends at its
   * next word boundary (the first 15 ms of near-silence ahead), so no word is cut in half.
   */
  cut(utteranceId: string): void;
}

/** Below this peak for 15 ms: a gap between words. */
const QUIET = 600;

export interface MixerOptions {
  sampleRate: number;
  /** Linear gain on the speech. */
  gain?: number;
  onLevel(utteranceId: string, level: number): void;
}

export function voiceMixer(o: MixerOptions): VoiceMixer {
  const queue: Utterance[] = [];
  const gain = o.gain ?? 1;
  const window = Math.round(o.sampleRate / 30);
  let playhead = 0;
  let sumSquares = 0;
  let counted = 0;

  return {
    enqueue(u) {
      queue.push(u);
    },
    queued: () => queue.reduce((n, u) => n + u.pcm.length, 0) - playhead,
    cut(utteranceId) {
      const i = queue.findIndex((u) => u.utteranceId === utteranceId);
      if (i < 0) return;
      if (i > 0) {
        queue.splice(i, 1);
        return;
      }
      const u = queue[0];
      const run = Math.round(o.sampleRate * 0.015);
      let quiet = 0;
      let end = u.pcm.length;
      for (let k = playhead; k < u.pcm.length; k++) {
        quiet = Math.abs(u.pcm[k]) < QUIET ? quiet + 1 : 0;
        if (quiet >= run) {
          end = k + 1;
          break;
        }
      }
      queue[0] = { utteranceId, pcm: u.pcm.subarray(0, end) };
    },
    read(samples) {
      const out = new Int16Array(samples);
      let at = 0;
      while (at < samples && queue.length) {
        const u = queue[0];
        const n = Math.min(samples - at, u.pcm.length - playhead);
        for (let i = 0; i < n; i++) {
          const s = Math.max(-32768, Math.min(32767, Math.round(u.pcm[playhead + i] * gain)));
          out[at + i] = s;
          sumSquares += s * s;
        }
        counted += n;
        playhead += n;
        at += n;
        if (counted >= window) {
          o.onLevel(u.utteranceId, level(sumSquares, counted));
          sumSquares = 0;
          counted = 0;
        }
        if (playhead >= u.pcm.length) {
          queue.shift();
          playhead = 0;
          sumSquares = 0;
          counted = 0;
          o.onLevel(u.utteranceId, 0);
        }
      }
      return out;
    },
  };
}

/** RMS as a 0..1 level: speech around -12 dBFS RMS reads near the top. */
function level(sumSquares: number, n: number): number {
  const rms = Math.sqrt(sumSquares / n) / 32768;
  return Math.min(1, Math.round((rms / 0.25) * 1000) / 1000);
}
