/**
 * Writing decisions, with a retry that ends. Nothing is announced before its
 * row is committed, so a failed write is retried — but a decision that cannot
 * be written (the database answers, the write keeps failing) must not hold the
 * queue behind it for ever: after `attempts` tries it fails with
 * `UnwritableError` and the caller rejects that one bid with the reason. A
 * database that does not answer at all is different: then every decision must
 * wait for it, without end, and `status()` says so (health shows it); the wait
 * between tries (at most 5 s) ends as soon as the database answers again.
 */
import type { Clock } from "../../core/clock.ts";
import { pauseAfterFailure } from "../../core/db.ts";
import { LeaseLostError } from "../../core/lease.ts";
import type { Log } from "../../core/log.ts";
import type { AuctionStore, DecisionRecord } from "./store.ts";

/** The database answered, and still refused the write `attempts` times. */
export class UnwritableError extends Error {
  override name = "UnwritableError";
}

export interface Recorder {
  /** For each record, false when its tweet was recorded before. */
  record(records: DecisionRecord[]): Promise<boolean[]>;
  /** Set while decisions wait for a database that does not answer. */
  waiting(): { since: Temporal.Instant; error: string } | null;
  stop(): void;
}

const PING_TIMEOUT_MS = 3000;

export function createRecorder(
  o: { store: AuctionStore; clock: Clock; log: Log; attempts?: number },
): Recorder {
  const attempts = o.attempts ?? 3;
  let down: { since: Temporal.Instant; error: string } | null = null;
  let stopped = false;

  const answers = async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer")), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([o.store.ping(), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async record(records) {
      let refused = 0;
      for (let delay = 100;; delay = Math.min(delay * 2, 5000)) {
        try {
          const fresh = await o.store.recordDecisions(records);
          if (down) {
            o.log.info("the database answers again; decisions go on", { since: down.since });
          }
          down = null;
          return fresh;
        } catch (error) {
          // Another engine leads: this one must neither retry nor reject anything.
          if (stopped || error instanceof LeaseLostError) throw error;
          const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
          const tweetId = records[0].decision.tweetId;
          if (await answers()) {
            if (++refused >= attempts) throw new UnwritableError(message);
            o.log.warn("recording a decision failed; retrying", { tweetId, error: message });
          } else {
            if (!down) {
              o.log.error("the database does not answer; decisions wait", { error: message });
            }
            down ??= { since: o.clock.instant(), error: message };
          }
          let timer: ReturnType<typeof setTimeout> | undefined;
          const sleep = new Promise<void>((r) => timer = setTimeout(r, delay));
          await pauseAfterFailure(o.store, sleep).finally(() => clearTimeout(timer));
        }
      }
    },
    waiting: () => down,
    stop() {
      stopped = true;
    },
  };
}
