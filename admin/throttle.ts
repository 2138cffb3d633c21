/**
 * Sign-in throttling in the state store (fixed windows): after `attempts`
 * failures for one account within `windowSeconds` that account is locked for
 * `lockoutSeconds`; an address gets `ipAttempts` before it is locked the same
 * way. A lock is refused before any password is hashed, with the time left.
 */
import type { StateStore } from "../core/state.ts";

export interface ThrottleOptions {
  state: StateStore;
  attempts: number;
  ipAttempts: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

export function loginThrottle(o: ThrottleOptions) {
  const keys = (name: string, ip: string | null) => [
    { key: `admin:login:account:${name}`, limit: o.attempts, what: "this account" },
    ...(ip ? [{ key: `admin:login:ip:${ip}`, limit: o.ipAttempts, what: "this address" }] : []),
  ];
  /** Seconds left of the longest lock on the name or the address, and which it is. */
  const lockedFor = async (name: string, ip: string | null) => {
    let worst: { seconds: number; what: string } | null = null;
    for (const k of keys(name, ip)) {
      const until = Number(await o.state.get(`${k.key}:lock`));
      const seconds = Math.ceil((until - Date.now()) / 1000);
      if (seconds > 0 && (!worst || seconds > worst.seconds)) worst = { seconds, what: k.what };
    }
    return worst;
  };
  return {
    lockedFor,
    /** Counts a failure; returns the lock it caused, if any. */
    async failed(name: string, ip: string | null) {
      for (const k of keys(name, ip)) {
        const n = await o.state.incr(k.key, 1, { ttlMs: o.windowSeconds * 1000 });
        if (n >= k.limit) {
          const ms = o.lockoutSeconds * 1000;
          await o.state.set(`${k.key}:lock`, String(Date.now() + ms), { ttlMs: ms });
          await o.state.del(k.key);
        }
      }
      return await lockedFor(name, ip);
    },
    async succeeded(name: string) {
      await o.state.del(`admin:login:account:${name}`);
    },
  };
}

export type LoginThrottle = ReturnType<typeof loginThrottle>;

export function lockMessage(lock: { seconds: number; what: string }): string {
  const m = Math.floor(lock.seconds / 60);
  const s = lock.seconds % 60;
  const left = m ? `${m} min${s ? ` ${s} s` : ""}` : `${s} s`;
  return `Too many failed sign-ins for ${lock.what}: try again in ${left}.`;
}
