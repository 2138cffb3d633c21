/**
 * The per-app read limits learned from X's headers, kept in `x_app_limits` so that a restart plans
 * with them at once (X documents no per-app number for Basic or Free: `tier_limits.ts`). A stored
 * row is believed only as a whole number in 1 … `MAX_APP_LIMIT` for a known source; anything else
 * (negative, huge, NaN, a fraction, an unknown source) is ignored with a warning, and the plugin
 * learns the limit again (its probe at start). X's later headers still refine a stored limit: the
 * store follows what `read_windows.ts` believed from them, never the reverse. A limit from a
 * header or a row is believed only up to `appLimitBound` (the tier's documented or configured
 * per-app figure, else twice the user's documented one): a lying or broken proxy's 1,000,000 on
 * Basic is refused with a warning, never stored or planned with.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { PolledSource } from "./read_planner.ts";
import type { TierLimits } from "./tier_limits.ts";

/** The largest limit believed from a header or a stored row (the config overrides' bound). */
export const MAX_APP_LIMIT = 1_000_000;

/** The endpoint each source reads, as the stored row names it. */
export const ENDPOINT_OF: Record<PolledSource, string> = {
  mentions: "GET /2/users/:id/mentions",
  search: "GET /2/tweets/search/recent",
};

/** Where X documents no per-app figure: how many times the user's documented one is believed. */
export const APP_UNDOCUMENTED_FACTOR = 2;

/**
 * The largest per-app limit believed for `s` from a header or a stored row: the tier file's (or
 * `limits.app`'s) figure where there is one — planning never goes beyond it — else
 * `APP_UNDOCUMENTED_FACTOR` × the user's documented window (X's published per-app windows are 1.5 ×
 * the user's: Pro 450 beside 300).
 */
export function appLimitBound(tier: TierLimits, s: PolledSource): number {
  return Math.min(MAX_APP_LIMIT, tier.app[s]?.limit ?? APP_UNDOCUMENTED_FACTOR * tier[s].limit);
}

export type AppLimits = Partial<Record<PolledSource, number>>;

/** A stored or stated limit, if it is a sane whole number; else undefined. Pure. */
export function saneLimit(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_APP_LIMIT ? n : undefined;
}

export interface AppLimitStore {
  /** The stored limits that are sane (each other row: a warning, ignored). */
  load(): Promise<AppLimits>;
  /** Keeps the limit X's header stated for the source's per-app window (learned now). */
  save(source: PolledSource, limit: number): Promise<void>;
}

export function appLimitStore(
  o: { db: Pick<Db, "query">; clock: Clock; log: Log; tier: TierLimits },
): AppLimitStore {
  return {
    async load() {
      const rows = await o.db.query<{ source: string; limit_value: unknown; endpoint: string }>(
        "select source, limit_value::text as limit_value, endpoint from x_app_limits",
      );
      const limits: AppLimits = {};
      for (const row of rows) {
        const source = Object.hasOwn(ENDPOINT_OF, row.source)
          ? row.source as PolledSource
          : undefined;
        const limit = saneLimit(row.limit_value);
        if (source && limit !== undefined && limit > appLimitBound(o.tier, source)) {
          o.log.warn("a stored per-app read limit is beyond the tier's bound: ignored", {
            source,
            limit,
            bound: appLimitBound(o.tier, source),
          });
          continue;
        }
        if (!source || limit === undefined) {
          o.log.warn("a stored per-app read limit is not sane: ignored (learned again)", {
            source: String(row.source).slice(0, 40),
            limit: String(row.limit_value).slice(0, 40),
            bounds: `1 … ${MAX_APP_LIMIT}`,
          });
          continue;
        }
        limits[source] = limit;
      }
      return limits;
    },
    async save(source, limit) {
      if (saneLimit(limit) === undefined || limit > appLimitBound(o.tier, source)) return;
      await o.db.query(
        `insert into x_app_limits (source, limit_value, endpoint, learned_at)
         values ($1, $2, $3, $4)
         on conflict (source) do update
           set limit_value = $2, endpoint = $3, learned_at = $4`,
        [source, limit, ENDPOINT_OF[source], o.clock.instant().toString()],
      );
    },
  };
}
