/**
 * The probe at start: the extra source's app window, its limit unknown (not documented, configured
 * or stored), read as the app so the planner knows both windows before it opens them for a lot
 * (the primary's first read is never held, and the app's window opens beside it at once). Until
 * the window it opened resets, that source is not read outside the hot phase: the user's window
 * beside it would open out of line with the lot's last minutes.
 * A probe that learns nothing (X 5xx, a cut connection, a 429, no `x-rate-limit-limit`, or one
 * beyond the tier's bound) is tried again, at most `PROBE_TRIES` reads a run, each on the read
 * loop's own schedule: no sooner than a back-off (`PROBE_RETRY_MS`, doubling, at most one window)
 * nor than the app's window has room (a 429's reset; a window counted out without headers), so it
 * never reads beyond the window's allowance. Outside the hot phase the source waits for it; in the
 * hot phase reads go on as planned (which open the app's window anyway). `status()` says, for
 * `/healthz`, while the limit is unknown after a probe: the tries, the next, the last failure.
 */
import type { Clock } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";
import type { AuctionPhases } from "./auction_phases.ts";
import type { PolledSource } from "./read_planner.ts";
import type { ReadWindows } from "./read_windows.ts";

/** The most probe reads a run, per source (the first and its retries). */
export const PROBE_TRIES = 5;
/** The first retry's back-off; each next doubles, up to one window. */
export const PROBE_RETRY_MS = 30_000;

export interface ProbeStatus {
  state: "retrying" | "given up";
  tries: number;
  nextAt?: string;
  lastError: string;
}

interface Probe {
  tries: number;
  nextAt?: number;
  lastError?: string;
}

export function probeAppWindows(
  windows: ReadWindows,
  primary: PolledSource,
  phases: AuctionPhases,
  clock: Clock,
  log: Log,
) {
  const o = { windows, primary, phases, log, nowMs: () => clock.instant().epochMilliseconds };
  const probes = new Map<PolledSource, Probe>();
  const opened = new Map<PolledSource, number>();
  const at = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms);
  const hot = () => o.phases.now().phase === "hot";
  return {
    /** `now`: this read is the probe; `hold`: wait until then (a probe due, or its window open). */
    before(s: PolledSource): { now: boolean; hold?: Temporal.Instant } {
      const p = probes.get(s) ?? { tries: 0 };
      if (s !== o.primary && p.tries < PROBE_TRIES && o.windows.appUnknown(s)) {
        const due = p.nextAt ?? o.nowMs();
        if (due <= o.nowMs()) {
          probes.set(s, { ...p, tries: p.tries + 1, nextAt: undefined });
          o.windows.probe(s);
          return { now: true };
        }
        if (!hot()) return { now: false, hold: o.phases.orPhaseChange(at(due)) };
      }
      const reset = opened.get(s);
      if (reset === undefined || reset <= o.nowMs() || hot()) return { now: false };
      return { now: false, hold: o.phases.orPhaseChange(at(reset)) };
    },
    /** After a read: a probe that learned nothing is due again (`lastError`: the read's, if any). */
    after(s: PolledSource, probe: boolean, outcome: string, lastError?: string) {
      if (!probe) return;
      const failure = outcome === "complete" ? undefined : lastError ?? outcome;
      const reset = o.windows.last(s)?.resetAt;
      if (reset !== undefined) opened.set(s, reset);
      const p = probes.get(s);
      if (!p) return;
      if (!o.windows.appUnknown(s)) return void probes.delete(s);
      const windowMs = o.windows.windowOf(s).windowMs;
      const backoff = Math.min(windowMs, PROBE_RETRY_MS * 2 ** (p.tries - 1));
      const nextAt = Math.max(o.nowMs() + backoff, o.windows.appSpentUntil(s) ?? 0);
      p.lastError = (failure ?? "no x-rate-limit-limit believed for the app's window").slice(
        0,
        200,
      );
      p.nextAt = p.tries < PROBE_TRIES ? nextAt : undefined;
      o.log.warn("the app's read window is still unknown after a probe", {
        source: s,
        tries: p.tries,
        error: p.lastError,
        ...(p.nextAt !== undefined ? { retryAt: at(p.nextAt).toString() } : { gaveUp: true }),
      });
    },
    /** Each source whose app window a probe has not learned yet (for `/healthz`). */
    status(): Partial<Record<PolledSource, ProbeStatus>> {
      const out: Partial<Record<PolledSource, ProbeStatus>> = {};
      for (const [s, p] of probes) {
        if (p.lastError === undefined || !o.windows.appUnknown(s)) continue;
        out[s] = {
          state: p.nextAt !== undefined ? "retrying" : "given up",
          tries: p.tries,
          ...(p.nextAt !== undefined ? { nextAt: at(p.nextAt).toString() } : {}),
          lastError: p.lastError,
        };
      }
      return out;
    },
  };
}
