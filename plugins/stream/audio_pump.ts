/**
 * Pulls the host's audio at real time, 20 ms at a time, whatever happens to
 * the encoder: the voice's playhead (and so its speaking levels) advances at
 * wall-clock pace, and each listener gets every sample from when it joined.
 */

export interface AudioSource {
  sampleRate: number;
  channels: number;
  read(samples: number): Int16Array;
}

export interface AudioPump {
  /**
   * Calls `take` with each chunk from now on, and the wall time (`performance.now()`) of its
   * first sample; returns the unsubscribe.
   */
  listen(take: (chunk: Int16Array, startMs: number) => void): () => void;
  stop(): void;
}

export function audioPump(source: AudioSource, tickMs = 20): AudioPump {
  const now = () => performance.now();
  const origin = now();
  let taken = 0;
  const listeners = new Set<(chunk: Int16Array, startMs: number) => void>();
  const tick = () => {
    const due = Math.floor(((now() - origin) * source.sampleRate) / 1000) - taken;
    if (due <= 0) return;
    // A stalled event loop must not turn into a huge read: past 1 s the gap is skipped.
    const samples = Math.min(due, source.sampleRate);
    const startMs = origin + ((taken + due - samples) * 1000) / source.sampleRate;
    taken += due;
    const chunk = source.read(samples);
    for (const take of listeners) take(chunk, startMs);
  };
  const timer = setInterval(tick, tickMs);
  return {
    listen(take) {
      listeners.add(take);
      return () => listeners.delete(take);
    },
    stop: () => clearInterval(timer),
  };
}
