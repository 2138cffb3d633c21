/**
 * One view of each read endpoint's windows, per authentication, shared by every reader of it
 * (the search reader and the sweep see what the other spent): X keeps a window per endpoint for the
 * user's OAuth 1.0a tokens and another for the app's Bearer token. Each read goes to the window the
 * planner picks (`pickAuth`); what a response returns carries the sum of them (`combineWindows`),
 * so the reader plans with both. A window is what X's headers said of it, bounded (a reset no
 * later than one window ahead, a remaining no more than the limit); a response without headers is
 * counted here, from its window's first request, at the documented limit — or, where the tier's
 * per-app number is not documented, one request a window (the probe) until X's headers say more.
 * A 429 marks that window spent until its reset and the read is made at once on another with
 * room (a spent app window never stops the user's reads); an app token X refuses (401/403) is set
 * aside for an hour, reads go on as the user, and `status()` says so. since_id is the reader's,
 * whoever reads: no mention is read twice or lost by switching.
 * An undocumented per-app limit learned from X's header (`onLearned`) is kept by the caller
 * (`app_limits.ts`) and handed back at the next start (`useStored`): planned with at once, below
 * what X's headers say from then on. Until it is known, `probe(s)` makes the source's next read as
 * the app (one read, like any other: the reader's, counted and ingested), without opening the
 * user's window beside it: the planner still aligns that one. An app window's
 * `x-rate-limit-limit` beyond `appLimitBound` (a lying or broken proxy) is refused with a warning
 * (once per source and value): that answer is counted as one without headers, at the limit known
 * before it, so nothing is learned, stored or planned from it.
 */
import type { Log } from "../../core/log.ts";
import { appLimitBound, type AppLimits, MAX_APP_LIMIT, saneLimit } from "./app_limits.ts";
import {
  type AuthWindow,
  combineWindows,
  pickAuth,
  type PolledSource,
  type SourceWindow,
} from "./read_planner.ts";
import type { TierLimits, Window } from "./tier_limits.ts";
import { type RateLimit, type ReadAuth, type XApi, XApiError } from "./x_api.ts";

/** How long an app token X refused is left aside before it is tried again. */
export const APP_REFUSED_MS = 3600_000;
/** The largest limit a header is believed for (the config overrides' bound). */
const MAX_LIMIT = MAX_APP_LIMIT;

interface Seen {
  remaining: number;
  resetAt: number;
  /** From X's headers; undefined: never stated. */
  limit?: number;
}

export interface ReadWindowStatus {
  auth: ReadAuth;
  limit: number;
  /**
   * Where the limit comes from: X's headers, the tier file (or config), X's headers of an earlier
   * run (stored), or a guess (one probe).
   */
  from: "headers" | "documented" | "stored" | "probe";
  remaining?: number;
  resetAt?: string;
}

export interface ReadWindows {
  api: XApi;
  /** The sum of the source's windows as the last responses left them; undefined: none seen. */
  last(s: PolledSource): RateLimit | undefined;
  /** A read of the source just opened a window: the next, at once, opens the others beside it. */
  joining(s: PolledSource): boolean;
  /** The planner's window of the source before any header: the sum of the limits. */
  windowOf(s: PolledSource): Window;
  /** The app's limits learned in an earlier run (sane ones only); X's headers still win. */
  useStored(limits: AppLimits): void;
  /** Whether the app's window of `s` is in use and its limit unknown (documented, stored, seen). */
  appUnknown(s: PolledSource): boolean;
  /**
   * The next read of `s` goes as the app (if in use), and opens no other window beside it; a 429
   * on it is the read's (no read as the user in its place).
   */
  probe(s: PolledSource): void;
  /** When the app's window of `s` has room again, if it has none now (spent or counted out). */
  appSpentUntil(s: PolledSource): number | undefined;
  /** Each authentication's window, and whether the app's is in use (for /healthz and logs). */
  status(): {
    app: "in use" | "no app token" | "refused" | "app only";
    appDetail?: string;
    windows: Record<PolledSource, ReadWindowStatus[]>;
  };
}

export function trackReadWindows(
  inner: XApi,
  tier: TierLimits,
  nowMs: () => number,
  log?: Log,
  /** X's header stated a per-app limit the tier file does not document (new or changed). */
  onLearned?: (s: PolledSource, limit: number) => void,
): ReadWindows {
  const seen = new Map<string, Seen>();
  const probing = new Set<PolledSource>();
  const joining = new Map<PolledSource, boolean>();
  let refused: { until: number; reason: string } | undefined;
  const key = (s: PolledSource, a: ReadAuth) => `${s}:${a}`;
  const limits = knownLimits(tier, inner.readAuths);
  const { documented, windowMsOf } = limits;
  const auths = () =>
    inner.readAuths.filter((a) =>
      a !== "app" || inner.readAuths.length === 1 || !refused || refused.until <= nowMs()
    );
  const limitOf = (s: PolledSource, a: ReadAuth) => seen.get(key(s, a))?.limit ?? limits.of(s, a);
  const windowsOf = (s: PolledSource): AuthWindow[] =>
    auths().map((auth) => {
      const w = seen.get(key(s, auth));
      return {
        auth,
        limit: limitOf(s, auth),
        windowMs: windowMsOf(s, auth),
        ...(w ? { remaining: w.remaining, resetAt: w.resetAt } : {}),
      };
    });
  const combined = (s: PolledSource): SourceWindow =>
    combineWindows(windowsOf(s), nowMs(), joining.get(s));
  const asRateLimit = (s: PolledSource) => toRateLimit(combined(s));

  const believed = appHeaderBound(tier, log);
  /** A response: X's headers, bounded; without them, counted here in the window it opened. */
  const answered = (s: PolledSource, a: ReadAuth, stated: RateLimit | undefined) => {
    const rl = believed(s, a, stated);
    const before = limitOf(s, a);
    const window = { now: nowMs(), windowMs: windowMsOf(s, a), limit: before };
    const after = afterAnswer(seen.get(key(s, a)), rl, window);
    seen.set(key(s, a), after);
    // A per-app limit the tier file does not give, new or changed: the caller keeps it.
    if (a === "app" && rl && !documented(s, a) && after.limit !== before) {
      onLearned?.(s, after.limit ?? before);
    }
  };
  // Without X's reset header (or with one beyond a window): the window's whole length.
  const spent = (s: PolledSource, a: ReadAuth, resetAt?: number) =>
    seen.set(key(s, a), spentWindow(seen.get(key(s, a)), nowMs(), windowMsOf(s, a), resetAt));

  const read = async <T extends { rateLimit?: RateLimit }>(
    s: PolledSource,
    call: (auth: ReadAuth) => Promise<T>,
  ): Promise<T> => {
    const except: ReadAuth[] = [];
    let last: unknown;
    for (;;) {
      const now = nowMs();
      const windows = windowsOf(s);
      // The probe: as the app, whatever the pick (the app's window has never been opened).
      const probe = probing.has(s) && !except.length && auths().includes("app");
      const auth = probe ? "app" : pickAuth(windows, now, { joining: joining.get(s), except });
      if (!auth) {
        if (last) throw last;
        // No window has room: no request (a 429 by ourselves); the reset of the first to open.
        const w = combined(s);
        throw new XApiError("every read window is spent", "rate-limited", 429, w.resetAt);
      }
      const opens = !windows.some((w) => w.auth === auth && w.resetAt && w.resetAt > now);
      try {
        const page = await call(auth);
        answered(s, auth, page.rateLimit);
        // A read that opened a window: the next opens the others beside it (they reset together).
        const fresh = windowsOf(s).some((w) => !w.resetAt || w.resetAt <= nowMs());
        joining.set(s, !probe && opens && fresh);
        probing.delete(s);
        return { ...page, rateLimit: asRateLimit(s) };
      } catch (error) {
        const e = error as XApiError;
        if (e.kind === "rate-limited") {
          spent(s, auth, e.resetAt);
          if (probe) {
            // The probe is the app's read alone: no user's read opened out of line in its place.
            probing.delete(s);
            throw new XApiError(e.message, "rate-limited", 429, seen.get(key(s, auth))?.resetAt);
          }
          except.push(auth);
          // The error the reader sees, if no other window has room: the first reset of them all.
          const w = combined(s);
          last = new XApiError(e.message, "rate-limited", 429, w.resetAt);
          continue;
        }
        if (
          auth === "app" && auths().includes("user") && e.kind === "rejected" &&
          (e.status === 401 || e.status === 403)
        ) {
          refused = { until: nowMs() + APP_REFUSED_MS, reason: `${e.status} ${e.message}` };
          log?.warn("X refused the app's bearer token for reads: reading as the user only", {
            status: e.status,
            error: e.message,
            retryInMs: APP_REFUSED_MS,
          });
          except.push(auth);
          continue;
        }
        probing.delete(s);
        throw error;
      }
    }
  };

  const api: XApi = {
    ...inner,
    mentions: (userId, page) =>
      read("mentions", (auth) => inner.mentions(userId, { ...page, auth })),
    search: (query, page) => read("search", (auth) => inner.search(query, { ...page, auth })),
  };

  return {
    api,
    joining: (s) => joining.get(s) === true && windowsOf(s).length > 1,
    last: (s) => seen.has(key(s, "user")) || seen.has(key(s, "app")) ? asRateLimit(s) : undefined,
    windowOf: (s) => {
      const w = windowsOf(s);
      return { limit: w.reduce((n, x) => n + x.limit, 0), windowMs: tier[s].windowMs };
    },
    useStored: limits.useStored,
    appUnknown: (s) => limits.appUnknown(s) && seen.get(key(s, "app"))?.limit === undefined,
    probe: (s) => void probing.add(s),
    appSpentUntil: (s) => spentUntil(seen.get(key(s, "app")), nowMs()),
    status: () =>
      describeWindows({
        readAuths: inner.readAuths,
        refused: refused && refused.until > nowMs() ? refused : undefined,
        now: nowMs(),
        windows: (s) =>
          windowsOf(s).map((w) => ({
            ...w,
            from: seen.get(key(s, w.auth))?.limit !== undefined
              ? "headers"
              : limits.from(s, w.auth),
          })),
      }),
  };
}

/** The sum of windows as a rate limit; undefined: none seen. */
const toRateLimit = (w: SourceWindow): RateLimit | undefined =>
  w.remaining === undefined || w.resetAt === undefined
    ? undefined
    : { limit: w.limit, remaining: w.remaining, resetAt: w.resetAt };

/** A window after a 429: without X's reset header (or one beyond a window), its whole length. */
function spentWindow(w: Seen | undefined, now: number, windowMs: number, resetAt?: number): Seen {
  const sane = resetAt !== undefined && resetAt > now && resetAt <= now + windowMs + 1000;
  return { ...w, remaining: 0, resetAt: sane ? resetAt : now + windowMs };
}

/** When a window with no room has room again; undefined: it has room (or was never seen). */
const spentUntil = (w: Seen | undefined, now: number) =>
  w && w.remaining <= 0 && w.resetAt > now ? w.resetAt : undefined;

/**
 * An app window's `x-rate-limit-limit` beyond the tier's bound (`appLimitBound`): not believed,
 * the whole answer taken as one without headers; warned once per source and value (100 at most).
 */
function appHeaderBound(tier: TierLimits, log?: Log) {
  const refusedHeaders = new Set<string>();
  return (s: PolledSource, a: ReadAuth, rl: RateLimit | undefined) => {
    const bound = appLimitBound(tier, s);
    if (a !== "app" || !rl || !(rl.limit > bound)) return rl;
    const value = String(rl.limit).slice(0, 20);
    if (!refusedHeaders.has(`${s}:${value}`) && refusedHeaders.size < 100) {
      refusedHeaders.add(`${s}:${value}`);
      log?.warn("X's header for the app's read window is beyond the tier's bound: not believed", {
        header: "x-rate-limit-limit",
        value,
        source: s,
        bound,
      });
    }
    return undefined;
  };
}

/**
 * The limits known before X's headers: the tier file's (or config's), else for the app the one
 * stored from an earlier run (sane ones only), else a guess — one read a window (the probe), or the
 * user's number where the app is the only way to read.
 */
function knownLimits(tier: TierLimits, readAuths: ReadAuth[]) {
  const stored: AppLimits = {};
  const documented = (s: PolledSource, a: ReadAuth): Window | undefined =>
    a === "user" ? tier[s] : tier.app[s];
  return {
    documented,
    windowMsOf: (s: PolledSource, a: ReadAuth) => documented(s, a)?.windowMs ?? tier[s].windowMs,
    of: (s: PolledSource, a: ReadAuth) =>
      documented(s, a)?.limit ?? (a === "app" ? stored[s] : undefined) ??
        (readAuths.length === 1 ? tier[s].limit : 1),
    from: (s: PolledSource, a: ReadAuth): ReadWindowStatus["from"] =>
      documented(s, a) ? "documented" : a === "app" && stored[s] !== undefined ? "stored" : "probe",
    useStored(limits: AppLimits) {
      for (const s of ["mentions", "search"] as const) {
        const limit = saneLimit(limits[s]);
        if (limit !== undefined && limit <= appLimitBound(tier, s)) stored[s] = limit;
      }
    },
    appUnknown: (s: PolledSource) =>
      readAuths.includes("app") && readAuths.includes("user") && !documented(s, "app") &&
      stored[s] === undefined,
  };
}

/** A window after a response: X's headers, bounded, else one request counted in the open window. */
function afterAnswer(
  before: Seen | undefined,
  rl: RateLimit | undefined,
  o: { now: number; windowMs: number; limit: number },
): Seen {
  const open = before && before.resetAt > o.now ? before : undefined;
  if (rl) {
    const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(rl.limit)));
    const sane = rl.resetAt > o.now && rl.resetAt <= o.now + o.windowMs + 1000;
    return {
      limit,
      remaining: Math.max(0, Math.min(limit, Math.floor(rl.remaining))),
      resetAt: sane ? rl.resetAt : open?.resetAt ?? o.now + o.windowMs,
    };
  }
  return {
    ...(before?.limit !== undefined ? { limit: before.limit } : {}),
    remaining: Math.max(0, (open ? open.remaining : o.limit) - 1),
    resetAt: open?.resetAt ?? o.now + o.windowMs,
  };
}

/** What /healthz says of the windows: each, and whether the app's is in use. */
function describeWindows(o: {
  readAuths: ReadAuth[];
  refused?: { until: number; reason: string };
  now: number;
  windows(s: PolledSource): Array<AuthWindow & { from: ReadWindowStatus["from"] }>;
}): ReturnType<ReadWindows["status"]> {
  const statusOf = (s: PolledSource): ReadWindowStatus[] =>
    o.windows(s).map((w) => ({
      auth: w.auth,
      limit: w.limit,
      from: w.from,
      ...(w.resetAt !== undefined && w.resetAt > o.now
        ? {
          remaining: w.remaining,
          resetAt: Temporal.Instant.fromEpochMilliseconds(w.resetAt).toString(),
        }
        : {}),
    }));
  const app = !o.readAuths.includes("app")
    ? "no app token"
    : o.readAuths.length === 1
    ? "app only"
    : o.refused
    ? "refused"
    : "in use";
  return {
    app,
    ...(o.refused
      ? {
        appDetail: `X refused the app's bearer token (${o.refused.reason}): reads as the user ` +
          `only until ${Temporal.Instant.fromEpochMilliseconds(o.refused.until)}`,
      }
      : {}),
    windows: { mentions: statusOf("mentions"), search: statusOf("search") },
  };
}
