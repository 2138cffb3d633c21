/**
 * The `StateStore` over Redis: one connection for commands, one for subscriptions.
 *
 * Redis is never on the path a decision waits for. Every write is kept in a local
 * shadow as well (the last value of each key this process wrote, with its expiry);
 * while Redis does not answer (stopped, restarted, cut off, or slower than
 * `COMMAND_TIMEOUT_MS`) reads and writes go to the shadow and the store says it is
 * degraded. When Redis is ready again the shadow is written back to it, so the hot
 * state is whole again even if Redis came back empty. Only the leader writes hot
 * state (standbys start no plugin), so its shadow is the latest value of every key.
 * A connection that says it is ready yet answers nothing is dropped and made anew:
 * node-redis 5.9 takes a connection reset during its handshake (a reconnect that
 * reached a Redis being killed) for ready, and never reconnects it by itself.
 * `ping` never waits for the write-back: `/healthz` answers within its bound.
 */
import { createClient } from "redis";
import type { SetOptions, StateCondition, StateStore } from "./state.ts";
import { type Expiring, expiringMap } from "./state_memory.ts";
import { withTimeout } from "./timeout.ts";

/** A command slower than this counts as Redis not answering: the shadow answers instead. */
const COMMAND_TIMEOUT_MS = 1000;
/** How long the first connection may take before the engine starts degraded instead. */
const FIRST_CONNECT_MS = 2000;
/** Expired shadow entries are dropped this often (rate-limit counters would pile up). */
const SWEEP_MS = 60_000;

function redisClient(url: string) {
  return createClient({
    url,
    // A command while disconnected fails at once (the shadow answers) instead of queueing.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: COMMAND_TIMEOUT_MS * 2,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000),
    },
  });
}

/** Connects; whether Redis is ready within FIRST_CONNECT_MS (it goes on connecting after). */
function connectedInTime(
  client: ReturnType<typeof redisClient>,
  onError: (error: unknown) => void,
): Promise<boolean> {
  const connecting = client.connect().catch(onError);
  return Promise.race([
    connecting.then(() => client.isReady),
    new Promise<false>((r) => setTimeout(() => r(false), FIRST_CONNECT_MS)),
  ]);
}

/** Closes a connection, or drops it when it does not close in time. */
const quit = (c: { isOpen: boolean; close(): Promise<void>; destroy(): void }) =>
  c.isOpen ? withTimeout(c.close(), COMMAND_TIMEOUT_MS).catch(() => c.destroy()) : undefined;

/**
 * Writes every live shadowed key back (expired ones are dropped). `silent`: a step got no
 * answer at all, not even an error: a "ready" yet dead connection (see above), which the
 * PING first shows in a second.
 */
async function writeBack(
  client: ReturnType<typeof redisClient>,
  shadow: Map<string, Expiring>,
  k: (key: string) => string,
  now: () => number,
): Promise<{ ok: true } | { ok: false; error: unknown; silent: boolean }> {
  let answered = false;
  try {
    await withTimeout(client.ping().finally(() => answered = true), COMMAND_TIMEOUT_MS);
    answered = false;
    const multi = client.multi();
    for (const [key, entry] of shadow) {
      const left = entry.expires - now();
      if (entry.expires === Infinity) multi.set(k(key), entry.value);
      else if (left > 0) multi.set(k(key), entry.value, { PX: Math.ceil(left) });
      else shadow.delete(key);
    }
    await withTimeout(multi.exec().finally(() => answered = true), COMMAND_TIMEOUT_MS * 5);
    return { ok: true };
  } catch (error) {
    return { ok: false, error, silent: !answered };
  }
}

export async function openRedisState(
  url: string,
  prefix: string,
  now: () => number = Date.now,
): Promise<StateStore> {
  const client = redisClient(url);
  const { values: shadow, live, expiry } = expiringMap(now);
  const localHandlers = new Map<string, Set<(message: string) => void>>();
  let down: { since: string; error: string } | null = null;
  let rewriting: Promise<void> | undefined;
  let closed = false;
  let subscriber: ReturnType<typeof client.duplicate> | undefined;
  const k = (key: string) => prefix + key;

  const markDown = (error: unknown) => {
    if (closed) return;
    down ??= { since: new Date(now()).toISOString(), error: message(error) };
  };

  /** Runs a command on Redis; null when Redis does not answer (the caller uses the shadow). */
  const remote = async <T>(command: () => Promise<T>): Promise<{ value: T } | null> => {
    if (down || !client.isReady) {
      markDown(new Error("not connected"));
      recover();
      return null;
    }
    try {
      return { value: await withTimeout(command(), COMMAND_TIMEOUT_MS) };
    } catch (error) {
      markDown(error);
      return null;
    }
  };

  /** Writes the shadow back, then says Redis is back. */
  const rewrite = async () => {
    const r = await writeBack(client, shadow, k, now);
    if (r.ok) return void (down = null);
    down = { since: down?.since ?? new Date(now()).toISOString(), error: message(r.error) };
    if (r.silent && client.isReady) reconnect();
  };

  /** Drops a connection that is "ready" but silent, and connects anew (its ready writes back). */
  function reconnect() {
    if (closed || !client.isOpen) return;
    client.destroy();
    client.connect().catch(markDown);
  }

  client.on("error", (error) => markDown(error));
  client.on("end", () => markDown(new Error("connection closed")));
  /** Connected again (or a slow command's connection answers again): write the shadow back. */
  function recover() {
    if (rewriting || !down || !client.isReady || closed) return;
    rewriting = rewrite().finally(() => rewriting = undefined);
  }
  client.on("ready", recover);
  if (!(await connectedInTime(client, markDown))) {
    markDown(new Error(`no answer from Redis in ${FIRST_CONNECT_MS} ms`));
  }
  const sweeper = setInterval(() => {
    for (const key of [...shadow.keys()]) live(key);
  }, SWEEP_MS);
  Deno.unrefTimer(sweeper);

  const condition = (): StateCondition =>
    down ? { degraded: true, since: down.since, error: down.error } : { degraded: false };

  return {
    kind: "redis",
    async get(key) {
      const got = await remote(() => client.get(k(key)));
      return got ? got.value : live(key)?.value ?? null;
    },
    async set(key, value, options?: SetOptions) {
      shadow.set(key, { value, expires: expiry(options?.ttlMs) });
      await remote(() =>
        options?.ttlMs !== undefined
          ? client.set(k(key), value, { PX: options.ttlMs })
          : client.set(k(key), value)
      );
    },
    async del(key) {
      shadow.delete(key);
      await remote(() => client.del(k(key)));
    },
    async incr(key, by = 1, options) {
      const entry = live(key);
      const got = (await remote(async () => {
        const multi = client.multi().incrBy(k(key), by);
        if (options?.ttlMs !== undefined) multi.pExpire(k(key), options.ttlMs, "NX");
        const replies = await multi.pTTL(k(key)).exec();
        return { value: Number(replies[0]), ttl: Number(replies.at(-1)) };
      }))?.value;
      const value = got ? got.value : (entry ? Number(entry.value) : 0) + by;
      const expires = got && got.ttl > 0
        ? now() + got.ttl
        : entry?.expires ?? expiry(options?.ttlMs);
      shadow.set(key, { value: String(value), expires });
      return value;
    },
    async publish(channel, text) {
      const sent = await remote(() => client.publish(k(channel), text));
      // Redis delivers to this process's own subscriptions; while it cannot, deliver here.
      if (!sent) {
        for (const h of localHandlers.get(channel) ?? []) {
          queueMicrotask(() => h(text));
        }
      }
    },
    async subscribe(channel, handler) {
      if (!subscriber) {
        // Its own connection, queueing while disconnected: it subscribes again by itself.
        subscriber = client.duplicate({ disableOfflineQueue: false });
        subscriber.on("error", () => {});
        void subscriber.connect().catch(() => {});
      }
      const sub = subscriber;
      const listener = (text: string) => handler(text);
      let handlers = localHandlers.get(channel);
      if (!handlers) localHandlers.set(channel, handlers = new Set());
      handlers.add(listener);
      // Queued until its connection is up; waited for only while Redis answers.
      const subscribed = sub.subscribe(k(channel), listener);
      subscribed.catch(() => {});
      if (!down) await withTimeout(subscribed, COMMAND_TIMEOUT_MS * 2).catch(() => {});
      return async () => {
        handlers.delete(listener);
        await sub.unsubscribe(k(channel), listener).catch(() => {});
      };
    },
    async ping() {
      // Not waiting for a write-back under way (up to 5 s): until it is done, Redis is away.
      if (!(await remote(() => client.ping()))) {
        throw new Error(`Redis does not answer: ${down?.error ?? "not connected"}`);
      }
    },
    condition,
    async close() {
      closed = true;
      clearInterval(sweeper);
      shadow.clear();
      await Promise.allSettled([subscriber && quit(subscriber), quit(client)]);
      if (client.isOpen) client.destroy();
    },
  };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];
