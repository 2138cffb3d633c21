/**
 * The A/V sync test signal: every `everySeconds` of one wall clock
 * (`performance.now()`), a white square in the top-left corner for 100 ms and
 * a 1 kHz beep for the same 100 ms, both starting at the same instant: the
 * slot time of the first frame at or after the mark (none if that frame would
 * come before the loop's first: never a signal cut short). Video follows the frame
 * loop's slots (their origin is estimated from arrivals: a frame never
 * arrives before its slot), audio the pump's samples; so a recording read back
 * (`av_offset.ts`) shows how far the two clocks drifted apart on the way.
 */

export const SIGNAL_MS = 100;
export const BEEP_HZ = 1000;

export interface TestSignal {
  /** Notes a frame's arrival; true when this frame carries the flash. */
  frame(index: number, arrivedMs: number): boolean;
  /** True when slot `index` carries the flash (after at least one `frame`). */
  flashes(index: number): boolean;
  /** Draws the flash into straight RGBA of `width`×`height`. */
  flash(rgba: Uint8Array, width: number, height: number): void;
  /** Mixes the beep into `chunk`, whose first sample is at `startMs` on the wall clock. */
  mix(chunk: Int16Array, startMs: number, rate: number): void;
}

/** `slotTime`: the frame loop's own clock of its slots; without it, estimated from arrivals. */
export function testSignal(
  everySeconds: number,
  fps: number,
  slotTime?: (index: number) => number,
): TestSignal {
  const period = everySeconds * 1000;
  const frameMs = 1000 / fps;
  let origin = slotTime ? slotTime(0) : Infinity;
  /** Start of the signal around wall time `t`: the first slot at or after its mark. */
  const startNear = (t: number): number | null => {
    const mark = Math.floor(t / period) * period;
    const slot = Math.ceil((mark - origin) / frameMs - 1e-9);
    // A mark whose first slot would come before the loop's first has no signal: its start is
    // not a slot of the loop, and drawn from slot 0 on it would be cut.
    return slot >= 0 ? origin + slot * frameMs : null;
  };
  return {
    frame(index, arrivedMs) {
      origin = slotTime ? slotTime(0) : Math.min(origin, arrivedMs - index * frameMs);
      return this.flashes(index);
    },
    flashes(index) {
      if (!Number.isFinite(origin)) return false;
      const slot = origin + index * frameMs;
      const start = startNear(slot);
      return start !== null && slot >= start && slot < start + SIGNAL_MS;
    },
    flash(rgba, width, height) {
      const side = Math.max(8, Math.round((height / 720) * 32));
      for (let y = 0; y < Math.min(side, height); y++) {
        rgba.fill(255, y * width * 4, (y * width + Math.min(side, width)) * 4);
      }
    },
    mix(chunk, startMs, rate) {
      if (!Number.isFinite(origin)) return;
      const endMs = startMs + (chunk.length / rate) * 1000;
      // The signal under way at the chunk's start, and the one that may start inside it.
      for (const start of new Set([startNear(startMs), startNear(endMs)])) {
        if (start === null) continue;
        const from = Math.max(0, Math.ceil(((start - startMs) * rate) / 1000));
        const to = Math.min(chunk.length, Math.ceil(((start + SIGNAL_MS - startMs) * rate) / 1000));
        for (let i = from; i < to; i++) {
          const seconds = (startMs + (i * 1000) / rate - start) / 1000;
          const beep = Math.round(16000 * Math.sin(2 * Math.PI * BEEP_HZ * seconds));
          chunk[i] = Math.max(-32768, Math.min(32767, chunk[i] + beep));
        }
      }
    },
  };
}
