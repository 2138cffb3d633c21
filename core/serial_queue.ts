/**
 * A serial queue: jobs run one at a time, in the order they were queued.
 *
 * Invariants: a job starts only once every job queued before it has settled;
 * a job that throws or rejects gives its failure to its own caller only and
 * never stops the jobs behind it; `drained` resolves once nothing is queued,
 * including jobs queued while it waited.
 */

export interface SerialQueue {
  /** Runs `job` after every job queued before it; its result or failure is the caller's. */
  run<T>(job: () => T | Promise<T>): Promise<T>;
  /** Resolves once no job is queued or running (failures are not rethrown here). */
  drained(): Promise<void>;
  /** Jobs queued and not yet settled (the running one included). */
  pending(): number;
}

export function serialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  return {
    run<T>(job: () => T | Promise<T>): Promise<T> {
      pending++;
      const result = tail.then(job).finally(() => pending--);
      tail = result.catch(() => {});
      return result;
    },
    async drained() {
      while (pending > 0) await tail;
    },
    pending: () => pending,
  };
}
