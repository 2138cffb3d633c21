/** The in-process `StateStore`: a map with expiry times and local pub/sub. */
import type { StateStore } from "./state.ts";

/** A value and its expiry (epoch ms; Infinity without a TTL). */
export interface Expiring {
  value: string;
  expires: number;
}

/** Reads of a map of expiring values: an expired entry is dropped when it is read. */
export function expiringMap(now: () => number) {
  const values = new Map<string, Expiring>();
  return {
    values,
    live(key: string) {
      const entry = values.get(key);
      if (entry && entry.expires <= now()) {
        values.delete(key);
        return undefined;
      }
      return entry;
    },
    expiry: (ttlMs?: number) => ttlMs === undefined ? Infinity : now() + ttlMs,
  };
}

export function memoryState(now: () => number = Date.now): StateStore {
  const { values, live, expiry } = expiringMap(now);
  const channels = new Map<string, Set<(message: string) => void>>();

  return {
    kind: "memory",
    get: (key) => Promise.resolve(live(key)?.value ?? null),
    set(key, value, options) {
      values.set(key, { value, expires: expiry(options?.ttlMs) });
      return Promise.resolve();
    },
    del(key) {
      values.delete(key);
      return Promise.resolve();
    },
    incr(key, by = 1, options) {
      const entry = live(key);
      const value = (entry ? Number(entry.value) : 0) + by;
      values.set(key, { value: String(value), expires: entry?.expires ?? expiry(options?.ttlMs) });
      return Promise.resolve(value);
    },
    publish(channel, message) {
      for (const handler of channels.get(channel) ?? []) queueMicrotask(() => handler(message));
      return Promise.resolve();
    },
    subscribe(channel, handler) {
      let set = channels.get(channel);
      if (!set) channels.set(channel, set = new Set());
      set.add(handler);
      return Promise.resolve(() => {
        set.delete(handler);
        return Promise.resolve();
      });
    },
    ping: () => Promise.resolve(),
    condition: () => ({ degraded: false }),
    close() {
      values.clear();
      channels.clear();
      return Promise.resolve();
    },
  };
}
