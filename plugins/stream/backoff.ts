/**
 * OBS's reconnect policy: wait 2 s before the first retry, then 1.5 times
 * longer each time, at most 60 s; a run that stayed healthy for a minute
 * starts the sequence over.
 */

export interface BackoffOptions {
  firstMs?: number;
  factor?: number;
  maxMs?: number;
  /** A run at least this long resets the delay. */
  healthyMs?: number;
}

export interface Backoff {
  /** The wait before the next start, given how long the last run lasted. */
  next(runMs: number): number;
}

export function backoff(options: BackoffOptions = {}): Backoff {
  const first = options.firstMs ?? 2000;
  const factor = options.factor ?? 1.5;
  const max = options.maxMs ?? 60_000;
  const healthy = options.healthyMs ?? 60_000;
  let delay = 0;
  return {
    next(runMs) {
      delay = runMs >= healthy || delay === 0 ? first : Math.min(max, delay * factor);
      return delay;
    },
  };
}
