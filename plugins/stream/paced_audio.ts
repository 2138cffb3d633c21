/**
 * The audio of one stream run, paced by its video. Positions are samples of
 * the wall clock from the run's first frame's slot (sample 0 = frame 0). The
 * video says which slots it shows; the audio sent is exactly the wall-clock
 * audio of those slots, in order: slots the video skipped (a gap longer than
 * its repeats cover, when the encoder is slower than real time) skip the same
 * audio, and holes in the pump's audio become silence. So the sample count
 * always equals the frame count × samples per frame, and the two cannot drift
 * apart however slow the encoder is. Audio waits here only until the video
 * reaches it (bounded: past `maxPendingSeconds` the oldest is let go, and is
 * silence if the video shows it later).
 */

export interface PacedAudio {
  /** A chunk from the pump, its first sample at `startMs` on the slots' clock. */
  add(chunk: Int16Array, startMs: number): void;
  /** The video shows slots `[from, to)` next; a `from` past the last shown skips the slots between. */
  show(from: number, to: number): void;
  /** The samples due now, in order; null when none. */
  take(): Int16Array | null;
  /** Samples held, waiting for the video. */
  pending(): number;
}

export interface PacedAudioOptions {
  rate: number;
  fps: number;
  /** The run's first frame's slot: sample 0. */
  firstSlot: number;
  /** Wall time of a slot (the frame loop's clock, `performance.now()` scale). */
  slotTime: (index: number) => number;
  maxPendingSeconds?: number;
}

interface Chunk {
  at: number;
  samples: Int16Array;
}

export function pacedAudio(o: PacedAudioOptions): PacedAudio {
  const origin = o.slotTime(o.firstSlot);
  const slotAt = (slot: number) => Math.round(((slot - o.firstSlot) * o.rate) / o.fps);
  const maxPending = Math.round((o.maxPendingSeconds ?? 10) * o.rate);
  const chunks: Chunk[] = [];
  let held = 0;
  /** Wall-clock runs the video shows, in order: [start, end) in samples. */
  const shown: Array<[number, number]> = [];
  /** The next sample to send, inside `shown[0]`. */
  let cursor = 0;
  let lastEnd: number | undefined;

  const dropHead = () => {
    held -= chunks.shift()!.samples.length;
  };

  return {
    add(samples, startMs) {
      if (!samples.length) return;
      let at = Math.round(((startMs - origin) * o.rate) / 1000);
      // The pump's chunks are contiguous; rounding of two float clocks must not open a hole.
      if (lastEnd !== undefined && Math.abs(at - lastEnd) <= 2) at = lastEnd;
      lastEnd = at + samples.length;
      chunks.push({ at, samples });
      held += samples.length;
      while (held > maxPending && chunks.length > 1) dropHead();
    },
    show(from, to) {
      const start = slotAt(from), end = slotAt(to);
      if (end <= start) return;
      const last = shown.at(-1);
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else {
        shown.push([start, end]);
        if (shown.length === 1) cursor = Math.max(cursor, start);
      }
    },
    take() {
      const parts: Int16Array[] = [];
      while (shown.length) {
        const [, end] = shown[0];
        if (cursor >= end) {
          if (shown.length === 1) break;
          shown.shift();
          cursor = Math.max(cursor, shown[0][0]);
          continue;
        }
        const head = chunks[0];
        if (!head) break;
        const headEnd = head.at + head.samples.length;
        if (headEnd <= cursor) {
          dropHead(); // before the cursor: a skipped slot's, or from before the first frame
          continue;
        }
        if (head.at > cursor) {
          // Nothing will come for these samples (the pump skipped, or they were let go).
          const silence = Math.min(head.at, end) - cursor;
          parts.push(new Int16Array(silence));
          cursor += silence;
          continue;
        }
        const upTo = Math.min(headEnd, end);
        parts.push(head.samples.subarray(cursor - head.at, upTo - head.at));
        cursor = upTo;
        if (upTo === headEnd) dropHead();
      }
      if (!parts.length) return null;
      if (parts.length === 1) return parts[0];
      const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
    pending: () => held,
  };
}
