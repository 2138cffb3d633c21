/**
 * The host's X account, found once: X may be unreachable at start, so every loop asks `resolve()`
 * before its step and waits `retryAt()` (1 s doubling to a minute) on failure. Concurrent callers
 * share one try; the last error is kept for `/healthz`.
 */
import type { Clock } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";
import type { XApi } from "./x_api.ts";

export interface HostAccount {
  /** The account, once found. */
  get(): { id: string; handle: string } | undefined;
  /** Why it is not found yet, if a try failed. */
  error(): string | undefined;
  /** True once found; a failed try resolves false (never throws). */
  resolve(): Promise<boolean>;
  /** When to try again after a failure. */
  retryAt(): Temporal.Instant;
}

export function hostAccount(o: { api: XApi; handle: string; clock: Clock; log: Log }): HostAccount {
  let account: { id: string; handle: string } | undefined;
  let lastError: string | undefined;
  let failures = 0;
  let resolving: Promise<boolean> | undefined;
  return {
    get: () => account,
    error: () => lastError,
    resolve() {
      if (account) return Promise.resolve(true);
      resolving ??= o.api.account(o.handle).then((found) => {
        account = found;
        lastError = undefined;
        o.log.info("X account", account);
        return true;
      }, (error) => {
        lastError = (error as Error).message;
        failures++;
        return false;
      }).finally(() => resolving = undefined);
      return resolving;
    },
    retryAt: () =>
      o.clock.instant().add({ milliseconds: Math.min(60_000, 1000 * 2 ** Math.min(6, failures)) }),
  };
}
