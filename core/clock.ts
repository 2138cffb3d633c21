/**
 * Time for the whole engine: `Temporal`, always in America/New_York.
 *
 * Plugins never read `Date.now()` for scheduling; they ask the clock, so a
 * virtual clock can run a campaign day in seconds, deterministically.
 */

export const TIME_ZONE = "America/New_York";

export type Cancel = () => void;

export interface Clock {
  /** The current instant. */
  instant(): Temporal.Instant;
  /** The current time in New York. */
  now(): Temporal.ZonedDateTime;
  /**
   * Runs `fn` once `at` has been reached (immediately if it already has). A
   * virtual clock awaits a promise `fn` returns before firing the next timer.
   */
  at(at: Temporal.Instant, fn: () => unknown): Cancel;
  /** Runs `fn` after `ms` milliseconds of this clock's time. */
  after(ms: number, fn: () => unknown): Cancel;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** Formats an instant as an ISO string with New York's offset, e.g. `2026-03-08T14:00:00-04:00`. */
export function nyString(at: Temporal.Instant): string {
  return at.toZonedDateTimeISO(TIME_ZONE).toString({ timeZoneName: "never" });
}

/** The real clock. Timers longer than setTimeout's limit are chained. */
export function systemClock(): Clock {
  const MAX_DELAY = 2 ** 31 - 1;
  const clock: Clock = {
    instant: () => Temporal.Now.instant(),
    now: () => Temporal.Now.zonedDateTimeISO(TIME_ZONE),
    at(at, fn) {
      let cancelled = false;
      const wait = () =>
        Math.min(Math.max(0, Number(at.epochMilliseconds - Date.now())), MAX_DELAY);
      // Always later, never inside this call, as the virtual clock does.
      const arm = () => {
        if (cancelled) return;
        if (at.epochMilliseconds > Date.now()) handle = setTimeout(arm, wait());
        else fn();
      };
      let handle = setTimeout(arm, wait());
      return () => {
        cancelled = true;
        clearTimeout(handle);
      };
    },
    after: (ms, fn) => clock.at(clock.instant().add({ milliseconds: Math.max(0, ms) }), fn),
    sleep: (ms) => new Promise((resolve) => clock.after(ms, resolve)),
  };
  return clock;
}

export interface VirtualClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order of due time, then of creation. */
  advance(ms: number): Promise<void>;
  /** Moves time forward to `to`, firing due timers in order. Never moves backwards. */
  advanceTo(to: Temporal.Instant): Promise<void>;
  /** The number of timers still waiting. */
  pending(): number;
}

interface Timer {
  due: bigint;
  seq: number;
  fn: () => unknown;
}

/**
 * A clock that moves only when told. Each fired timer's promise (if it returns
 * one) is awaited, then a macrotask turn passes, before the next timer fires.
 */
export function virtualClock(start: Temporal.Instant | string): VirtualClock {
  let current = typeof start === "string" ? Temporal.Instant.from(start) : start;
  let seq = 0;
  const timers: Timer[] = [];
  const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

  const nextDue = (limit: bigint): Timer | undefined => {
    let best: Timer | undefined;
    for (const t of timers) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  };

  const clock: VirtualClock = {
    instant: () => current,
    now: () => current.toZonedDateTimeISO(TIME_ZONE),
    at(at, fn) {
      const timer = { due: at.epochNanoseconds, seq: seq++, fn };
      timers.push(timer);
      return () => {
        const i = timers.indexOf(timer);
        if (i >= 0) timers.splice(i, 1);
      };
    },
    after: (ms, fn) => clock.at(current.add({ milliseconds: Math.max(0, ms) }), fn),
    sleep: (ms) => new Promise((resolve) => clock.after(ms, resolve)),
    advance: (ms) => clock.advanceTo(current.add({ milliseconds: ms })),
    async advanceTo(to) {
      const limit = to.epochNanoseconds;
      await settle();
      for (let t = nextDue(limit); t; t = nextDue(limit)) {
        timers.splice(timers.indexOf(t), 1);
        if (t.due > current.epochNanoseconds) current = new Temporal.Instant(t.due);
        await t.fn();
        await settle();
      }
      if (limit > current.epochNanoseconds) current = to;
    },
    pending: () => timers.length,
  };
  return clock;
}
