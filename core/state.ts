/**
 * The state store: hot, shared, rebuildable state (current price, counters,
 * pub/sub to other processes). `REDIS_URL` set → Redis; unset → memory.
 * Losing it loses nothing: owners rebuild it from the database. Redis going away
 * degrades the store (this process's own values answer, see state_redis.ts), it
 * never fails a caller.
 */

export interface SetOptions {
  /** Time to live in milliseconds. */
  ttlMs?: number;
}

/** Degraded: the backing server does not answer; this process's own values stand in. */
export type StateCondition =
  | { degraded: false }
  | { degraded: true; since: string; error: string };

export interface StateStore {
  readonly kind: "memory" | "redis";
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: SetOptions): Promise<void>;
  del(key: string): Promise<void>;
  /** Adds `by` and returns the new value; a TTL starts when the counter is created (fixed windows). */
  incr(key: string, by?: number, options?: SetOptions): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed; the result unsubscribes. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  /** Whether the store works from this process's shadow for now (Redis away). */
  condition(): StateCondition;
  close(): Promise<void>;
}

export interface StateOptions {
  url?: string;
  /** Prefix for every key and channel, so engines can share one Redis. */
  prefix?: string;
}

export async function openState(options: StateOptions = {}): Promise<StateStore> {
  const prefix = options.prefix ?? "sothebais:";
  if (options.url) {
    const { openRedisState } = await import("./state_redis.ts");
    return openRedisState(options.url, prefix);
  }
  const { memoryState } = await import("./state_memory.ts");
  return memoryState();
}
