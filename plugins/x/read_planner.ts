/**
 * The read planner: when each read endpoint is read next. Pure (no I/O, no
 * clock of its own), so the rules are tested directly and the reader only asks.
 *
 * Phases, from the auctions the plugin follows (`auction.updated`):
 * - `hot`: an open auction's last `extensionWindowSeconds` until it closes (end +
 *   grace, then the sweep before the hammer): every source spends what is
 *   left of its window by the end of the phase (never more than X's headers say
 *   remain, keeping `SWEEP_RESERVE` searches for the sweep).
 * - `open`: an auction is open: the mentions timeline at its even pace, recent
 *   search at half pace (what it does not spend is there for the hot phase).
 * - `pre`: an auction is scheduled (bidders link wallets and deposit): the
 *   mentions timeline at its even pace, no search.
 * - `idle`: nothing open or scheduled (after the last lot): the mentions
 *   timeline at half pace, no search.
 * Windows are X's: fixed, from the first request after a reset (`x-rate-limit-reset`). So the
 * hot phase can draw on two of them: before it, a source opens its window so that it resets in
 * the middle of the hot phase (`alignDelay`), and the extra source (search) keeps that window's
 * reads for the hot phase's first half (`nextHot`); the next window, opened at the reset, serves
 * the second half. The primary (the timeline) keeps its pace: it carries the open phase.
 * Degradation when the month's reads would run out (`degrade`, 0–3), in this
 * order: 1 — idle reads every 15 minutes; 2 — search only in the hot phase;
 * 3 — open-phase timeline reads at half pace. The hot phase and the sweep are
 * never slowed: bids in the last minutes stay fast until the cap is spent.
 * Two windows per endpoint when the app's Bearer token is there beside the user's tokens (X keeps
 * one per authentication): the planner plans with their sum (`combineWindows`), and each read goes
 * to the one with room (`pickAuth`). A source's windows are opened together (the read that opens
 * one is followed at once by one opening the next; a reset window waits for the others when they
 * reset within `ALIGN_WAIT_MS`), so they reset together and the alignment above holds for both.
 */
import type { Window } from "./tier_limits.ts";
import type { ReadAuth } from "./x_api.ts";

export type Phase = "hot" | "open" | "pre" | "idle";
export type PolledSource = "mentions" | "search";

/** How far ahead the hot phase of an auction past its end + grace, not yet closed, plans. */
export const HOT_TAIL_MS = 30_000;
/** Searches kept back from the hot phase for the sweep before the close. */
export const SWEEP_RESERVE = 2;
/** The pause between idle reads at degradation level 1 and above. */
export const DEGRADED_IDLE_MS = 15 * 60_000;

export interface AuctionTimes {
  status: string;
  /** Epoch ms. */
  endsAt: number;
  extensionWindowSeconds: number;
  ingestGraceSeconds: number;
  /** The latest the auction may run to with extensions (epoch ms); default: no extension. */
  maxEndsAt?: number;
  /** How many times bids have extended it. */
  extensions?: number;
}

/** The phase at `now` and, for `hot`, when it ends (epoch ms). */
export function phaseAt(
  now: number,
  auctions: Iterable<AuctionTimes>,
): { phase: Phase; until?: number } {
  let phase: Phase = "idle";
  let until: number | undefined;
  for (const a of auctions) {
    if (a.status === "scheduled") {
      if (phase === "idle") phase = "pre";
      continue;
    }
    if (a.status !== "open" && a.status !== "paused") continue;
    const hotFrom = a.endsAt - a.extensionWindowSeconds * 1000;
    // Still open past end + grace: the close waits for the read-through (and the sweep).
    const hotUntil = Math.max(hotEnd(a), now + HOT_TAIL_MS);
    if (now >= hotFrom) {
      phase = "hot";
      until = Math.min(until ?? Infinity, hotUntil);
    } else if (phase !== "hot") phase = "open";
  }
  return { phase, until };
}

/**
 * Where the hot phase is planned to end: the current end + grace while the auction has not been
 * extended (its scheduled last minutes get the reads, not spread to `maxEndsAt`, by default an
 * hour later); once bids extend it, a bidding war may run to `maxEndsAt`: the reads are spread
 * evenly to there (front-loading them on each new end left the later extensions starved).
 */
function hotEnd(a: AuctionTimes): number {
  const end = (a.extensions ?? 0) > 0 ? Math.max(a.endsAt, a.maxEndsAt ?? a.endsAt) : a.endsAt;
  return end + a.ingestGraceSeconds * 1000;
}

/** An auction's hot phase, now or ahead (epoch ms). */
export interface HotSpan {
  from: number;
  until: number;
  /** Where the last minutes start at the latest end extensions may reach, when later than `from`. */
  latestFrom?: number;
}

/** The spacing of the hot phase's searches: 12 s of search freshness + 3 s ≤ 15 s. */
export const HOT_SPACING_MS = 3000;

/** The hot phase under way, else the next one ahead (open, paused or scheduled auctions). */
export function hotSpan(now: number, auctions: Iterable<AuctionTimes>): HotSpan | undefined {
  let next: HotSpan | undefined;
  for (const a of auctions) {
    if (a.status !== "open" && a.status !== "paused" && a.status !== "scheduled") continue;
    const from = a.endsAt - a.extensionWindowSeconds * 1000;
    const end = hotEnd(a);
    const until = now >= from ? Math.max(end, now + HOT_TAIL_MS) : end;
    const latestFrom = Math.max(a.endsAt, a.maxEndsAt ?? a.endsAt) -
      a.extensionWindowSeconds * 1000;
    if (!next || from < next.from) {
      next = { from, until, ...(latestFrom > from ? { latestFrom } : {}) };
    }
  }
  return next;
}

/**
 * Before the read that opens a new window (none known, or the last one reset): how long to wait
 * so that the windows from then on reset in the middle of the next hot phase, if at most
 * `slackMs` (the primary source waits no longer than its own pace; the extra one up to a whole
 * window). 0: read now (no hot phase ahead, or it would start before the wait ends).
 * `holds`: the reads one opening of the source's windows holds for the phase (with the app's
 * beside the user's, Basic's search: 118). When they are enough for the hot phase at
 * `HOT_SPACING_MS`, one opening serves it whole: the windows reset where it starts — for a lot
 * that may be extended, where the last minutes start at its latest end (`latestFrom`), so a lot
 * bid on to its cap has a whole opening for its final minutes.
 */
export function alignDelay(o: {
  now: number;
  hot?: HotSpan;
  windowMs: number;
  slackMs: number;
  holds?: number;
}): number {
  const { now, hot, windowMs } = o;
  if (!hot || now >= hot.from) return 0;
  const whole = o.holds !== undefined && o.holds * HOT_SPACING_MS >= hot.until - hot.from;
  const reset = whole ? hot.latestFrom ?? hot.from : (hot.from + hot.until) / 2;
  const wait = (((reset - now) % windowMs) + windowMs) % windowMs;
  if (now + wait > hot.from || (!whole && now + wait === hot.from) || wait > o.slackMs) return 0;
  return Math.ceil(wait);
}

export interface SourceWindow extends Window {
  /** From the last response's headers: requests left and when the window resets (epoch ms). */
  remaining?: number;
  resetAt?: number;
}

/**
 * Milliseconds until `source` should be read again, or undefined: not now in this phase
 * (ask again when the phase changes). Never sooner than `minMs`; never more reads than
 * the window holds (the headers' `remaining` when known).
 */
export function nextReadDelay(o: {
  source: PolledSource;
  /** A second source beside the primary (default: search is the extra one). */
  extra?: boolean;
  now: number;
  phase: Phase;
  /** When the hot phase ends (epoch ms). */
  hotUntil?: number;
  /** Outside the hot phase: the next one, to keep this window's reads for. */
  nextHot?: HotSpan;
  window: SourceWindow;
  minMs: number;
  degrade: number;
}): number | undefined {
  const { window: w, now } = o;
  const known = w.remaining !== undefined && w.resetAt !== undefined && w.resetAt > now;
  const left = known ? w.resetAt! - now : w.windowMs;
  const remaining = known ? w.remaining! : w.limit;
  // The sweep's searches are kept in every hot window: the close (and its sweep) may come before
  // the planning horizon (an extended lot is planned to its latest end).
  const hotUntil = o.hotUntil ?? now + left;
  const keep = o.source === "search" ? SWEEP_RESERVE : 0;
  const usable = remaining - (o.phase === "hot" ? keep : 0);
  if (usable <= 0) return Math.max(o.minMs, left);
  const even = left / usable;
  const at = (ms: number) => Math.max(o.minMs, Math.ceil(ms));
  if (o.phase === "hot") {
    // Spend the window's rest by the end of the phase (or by the reset, if sooner).
    const horizon = Math.min(left, Math.max(0, hotUntil - now));
    return at(Math.min(even, horizon / usable));
  }
  const extra = o.extra ?? o.source === "search";
  const normal = phaseDelay(o, even, extra);
  if (normal === undefined) return undefined;
  // Only the extra source saves: the primary carries the open phase at its own pace.
  const saving = known && extra ? savingDelay(o, remaining) : undefined;
  return at(Math.max(normal, saving ?? 0));
}

/** The pause outside the hot phase, at the phase's pace (undefined: not read in this phase). */
function phaseDelay(
  o: { phase: Phase; degrade: number; window: SourceWindow },
  even: number,
  extra: boolean,
): number | undefined {
  if (extra) {
    if (o.phase === "idle" || o.phase === "pre" || o.degrade >= 2) return undefined;
    return even * 2;
  }
  if (o.phase === "open") return even * (o.degrade >= 3 ? 2 : 1);
  if (o.phase === "pre" && o.degrade === 0) return even;
  // Idle: half the tier's even pace, whatever is left in this window.
  const slow = Math.max(even, o.window.windowMs / o.window.limit) * 2;
  return o.degrade >= 1 ? Math.max(DEGRADED_IDLE_MS, slow) : slow;
}

/**
 * Before a hot phase that this window reaches into: the pause that keeps its reads for the hot
 * part, as many as give that part the spacing the whole phase gets from this window and the next
 * (undefined: no saving applies).
 */
function savingDelay(
  o: { source: PolledSource; now: number; nextHot?: HotSpan; window: SourceWindow },
  remaining: number,
): number | undefined {
  const { nextHot: hot, window: w, now } = o;
  if (!hot || now >= hot.from || w.resetAt! <= hot.from) return undefined;
  const sweep = o.source === "search" ? SWEEP_RESERVE : 0;
  const next = w.resetAt! < hot.until ? Math.max(0, w.limit - sweep) : 0;
  const spacing = (hot.until - hot.from) / Math.max(1, remaining + next);
  const hotPart = Math.min(w.resetAt!, hot.until) - hot.from;
  const before = remaining - Math.min(remaining, Math.ceil(hotPart / spacing));
  return before <= 0 ? hot.from - now : (hot.from - now) / before;
}

/**
 * Whether a read of `source` may be made now: not in the hot phase when only the sweep's reserve
 * is left of the search window (on Free, one search a window: it is the sweep's).
 */
export function mayRead(o: {
  source: PolledSource;
  now: number;
  phase: Phase;
  window: SourceWindow;
}): boolean {
  const { window: w, now } = o;
  if (o.phase !== "hot" || o.source !== "search") return true;
  const known = w.remaining !== undefined && w.resetAt !== undefined && w.resetAt > now;
  return (known ? w.remaining! : w.limit) > SWEEP_RESERVE;
}

/** The next instant (epoch ms) after `now` when the phase may change, if any. */
export function nextPhaseChange(now: number, auctions: Iterable<AuctionTimes>): number | undefined {
  let next: number | undefined;
  for (const a of auctions) {
    if (a.status !== "open" && a.status !== "paused") continue;
    const t = a.endsAt - a.extensionWindowSeconds * 1000;
    if (t > now && (next === undefined || t < next)) next = t;
  }
  return next;
}

/** What degrades first when the month's reads would run out, as `degradeLevel` applies it. */
export const DEGRADE_ORDER = [
  "1: reads outside auctions every 15 min",
  "2: recent search only in an auction's last minutes",
  "3: timeline reads during an auction at half pace",
  "never: the last minutes of an auction and the sweep before the close",
] as const;

/** Degradation level for a projected run-out day (1-based) in a month of `days` days. */
export function degradeLevel(runsOutOnDay: number | undefined, days: number): number {
  if (runsOutOnDay === undefined || runsOutOnDay > days) return 0;
  const short = days - runsOutOnDay + 1;
  return short <= 3 ? 1 : short <= 7 ? 2 : 3;
}

/** One authentication's window of an endpoint, as last seen (`remaining`/`resetAt`: never opened). */
export interface AuthWindow extends SourceWindow {
  auth: ReadAuth;
}

/** How long a window that has reset waits for the source's other windows to reset too. */
export const ALIGN_WAIT_MS = 60_000;

const isOpen = (w: AuthWindow, now: number) =>
  w.resetAt !== undefined && w.resetAt > now && w.remaining !== undefined;

/**
 * The windows (reset or never opened) a read may open now: after a read that opened one (`joining`:
 * the rest of the source's windows open beside it), when none is open, or when the open ones reset
 * more than `ALIGN_WAIT_MS` from now (or `anyFresh`: a read the open windows refused).
 */
function openable(windows: AuthWindow[], now: number, joining: boolean, anyFresh = false) {
  const open = windows.filter((w) => isOpen(w, now));
  const fresh = windows.filter((w) => !isOpen(w, now));
  const resetsIn = open.length ? Math.min(...open.map((w) => w.resetAt!)) - now : 0;
  return joining || anyFresh || !open.length || resetsIn > ALIGN_WAIT_MS ? fresh : [];
}

/**
 * The sum of a source's windows, as the planner plans with it: what the open ones have left
 * (and the ones about to open beside them), until the first of them resets. None open: the
 * limits' sum, `resetAt` the last (past) reset, so the read that opens them is aligned.
 */
export function combineWindows(
  windows: AuthWindow[],
  now: number,
  joining = false,
): SourceWindow {
  const limit = windows.reduce((n, w) => n + w.limit, 0);
  const windowMs = Math.max(...windows.map((w) => w.windowMs));
  const open = windows.filter((w) => isOpen(w, now));
  if (!open.length) {
    const past = windows.flatMap((w) => w.resetAt === undefined ? [] : [w.resetAt]);
    return past.length
      ? { limit, windowMs, remaining: limit, resetAt: Math.max(...past) }
      : { limit, windowMs };
  }
  const extra = openable(windows, now, joining).reduce((n, w) => n + w.limit, 0);
  return {
    limit,
    windowMs,
    remaining: open.reduce((n, w) => n + Math.max(0, w.remaining!), 0) + extra,
    resetAt: Math.min(...open.map((w) => w.resetAt!)),
  };
}

/**
 * Whom the next read of a source is made as: a window to open beside one just opened, else the
 * open window with the most room (the first listed on a tie: the user's), else one that may be
 * opened; undefined when none has room. `except`: windows that refused this read (a 429).
 */
export function pickAuth(
  windows: AuthWindow[],
  now: number,
  o: { joining?: boolean; except?: ReadAuth[] } = {},
): ReadAuth | undefined {
  const left = windows.filter((w) => !o.except?.includes(w.auth));
  const fresh = openable(left, now, o.joining ?? false, Boolean(o.except?.length));
  if (o.joining && fresh.length) return fresh[0].auth;
  const room = left.filter((w) => isOpen(w, now) && w.remaining! > 0);
  if (room.length) {
    return room.reduce((best, w) => w.remaining! > best.remaining! ? w : best).auth;
  }
  return fresh[0]?.auth;
}
