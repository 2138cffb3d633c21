/**
 * A per-key fixed-window rate limit (per client IP for the link page): at most
 * `limit` hits a window. Memory is bounded: past `maxKeys` the oldest windows go
 * (an attacker spraying addresses forgets earlier ones, never grows the map).
 */
export interface RateLimiter {
  /** Counts a hit; the seconds to wait when over the limit, else 0. */
  hit(key: string, nowMs?: number): number;
}

export function rateLimiter(
  o: { limit: number; windowMs: number; maxKeys?: number },
): RateLimiter {
  const maxKeys = o.maxKeys ?? 10_000;
  const windows = new Map<string, { start: number; n: number }>();
  return {
    hit(key, nowMs = Date.now()) {
      let w = windows.get(key);
      if (!w || nowMs - w.start >= o.windowMs) {
        windows.delete(key);
        w = { start: nowMs, n: 0 };
        windows.set(key, w);
        while (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
      }
      w.n++;
      return w.n > o.limit ? Math.ceil((w.start + o.windowMs - nowMs) / 1000) : 0;
    },
  };
}
