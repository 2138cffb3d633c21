/** The `StateStore` over Redis: one connection for commands, one for subscriptions. */
import { createClient } from "redis";
import type { StateStore } from "./state.ts";

export async function openRedisState(url: string, prefix: string): Promise<StateStore> {
  const client = createClient({ url });
  client.on("error", () => {/* reconnects by itself; health reports it through ping */});
  await client.connect();
  let subscriber: ReturnType<typeof client.duplicate> | undefined;
  const k = (key: string) => prefix + key;

  return {
    kind: "redis",
    get: (key) => client.get(k(key)),
    async set(key, value, options) {
      if (options?.ttlMs !== undefined) await client.set(k(key), value, { PX: options.ttlMs });
      else await client.set(k(key), value);
    },
    async del(key) {
      await client.del(k(key));
    },
    async incr(key, by = 1, options) {
      const multi = client.multi().incrBy(k(key), by);
      if (options?.ttlMs !== undefined) multi.pExpire(k(key), options.ttlMs, "NX");
      const [value] = await multi.exec();
      return Number(value);
    },
    async publish(channel, message) {
      await client.publish(k(channel), message);
    },
    async subscribe(channel, handler) {
      if (!subscriber) {
        subscriber = client.duplicate();
        subscriber.on("error", () => {});
        await subscriber.connect();
      }
      const sub = subscriber;
      const listener = (message: string) => handler(message);
      await sub.subscribe(k(channel), listener);
      return () => sub.unsubscribe(k(channel), listener);
    },
    async ping() {
      await client.ping();
    },
    async close() {
      await subscriber?.quit();
      await client.quit();
    },
  };
}
