/**
 * Runs an async step again and again: when the step says (the instant it
 * returns), or at once when kicked. Never two steps at a time. Waiting is
 * done on the engine's clock, so a virtual clock drives it in tests. A step
 * that throws is tried again after `errorRetryMs`, or as soon as `resumeWhen`
 * (the database answering again, when it was down) resolves, if that is sooner.
 */
import type { Clock } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";

export interface WakeLoop {
  /** Run the step now (or right after the current one). */
  kick(): void;
  /** Resolves once no step is running and none is due now. */
  idle(): Promise<void>;
  stop(): void;
}

export function createWakeLoop(
  clock: Clock,
  log: Log,
  step: () => Promise<Temporal.Instant | undefined>,
  { errorRetryMs = 5000, resumeWhen }: {
    errorRetryMs?: number;
    resumeWhen?: () => Promise<void> | undefined;
  } = {},
): WakeLoop {
  let cancel: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let immediate: ReturnType<typeof setTimeout> | undefined;
  /** Set while the loop waits out a failed step: `resumeWhen` may end that wait, no other. */
  let failedWait: object | undefined;

  const schedule = (next: Temporal.Instant | undefined) => {
    cancel?.();
    cancel = undefined;
    if (stopped || !next) return;
    if (Temporal.Instant.compare(next, clock.instant()) <= 0) {
      clearTimeout(immediate);
      immediate = setTimeout(run, 0);
    } else {
      cancel = clock.at(next, run);
    }
  };

  const loop = async () => {
    let next: Temporal.Instant | undefined;
    let failed = false;
    do {
      again = false;
      failed = false;
      try {
        next = await step();
      } catch (error) {
        log.error("step failed", { error });
        next = clock.instant().add({ milliseconds: errorRetryMs });
        failed = true;
      }
    } while (again && !stopped);
    schedule(next);
    const early = failed ? resumeWhen?.() : undefined;
    if (early) {
      const wait = failedWait = {};
      // After this step has ended (a kick while it runs would be lost), and only if no other came.
      void early.then(() => setTimeout(() => failedWait === wait && run(), 0));
    }
  };

  function run() {
    failedWait = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = loop().finally(() => (running = undefined));
  }

  return {
    kick: run,
    async idle() {
      for (;;) {
        // A step due now starts from a timer queued before this one.
        await new Promise((r) => setTimeout(r, 0));
        if (!running) return;
        await running;
      }
    },
    stop() {
      stopped = true;
      cancel?.();
      clearTimeout(immediate);
    },
  };
}
