/**
 * What X lets the account spend per access tier, in one place with the date it
 * was read: per-endpoint request windows (per user, OAuth 1.0a; the filtered
 * stream per app), the per-app windows of the read endpoints (app-only Bearer
 * token: a window of its own, beside the user's), the posting windows, and the
 * monthly cap on posts read (per project: both kinds of read count against it).
 * Only numbers read in X's documentation are here; a per-app window X does not
 * document for a tier is absent, and the plugin learns it from X's own headers
 * (`x-rate-limit-limit` of one probe read, `read_windows.ts`).
 * Every number can be overridden in the x plugin's config (`limits`, validated
 * by `limitsOverrideSchema`, errors name the field); `resolveLimits` applies
 * the overrides. At run time the `x-rate-limit-*` headers of each response
 * refine the read pace; these numbers are what the plugin plans with before.
 */
import { z } from "zod";

export type Tier = "free" | "basic" | "pro" | "pay-per-use";

/** Where and when the numbers below were read. */
export const LIMITS_SOURCE = {
  readOn: "2026-12-01",
  rateLimits: "https://docs.x.com/x-api/fundamentals/rate-limits",
  postCap: "https://docs.x.com/x-api/fundamentals/post-cap",
  streamReconnect:
    "https://docs.x.com/x-api/posts/filtered-stream/integrate/handling-disconnections",
  /**
   * The per-app windows (`app`), read 2026-12-02. Recent search: this rate-limits page, its "Per
   * App" column, 450 / 15 min per app beside 300 per user. The user mention timeline: 450 / 15
   * min "with OAuth 2.0 Bearer Token" (X's timelines migration guide, `appMentionsLimit`; the same
   * row of this page, 450 per app beside 300 per user, was read here only as a third party's
   * transcription). This page's table is X's current one, without tiers: used for Pro and
   * pay-per-use, as its per-user column is. The older per-tier tables
   * (developer.x.com/en/docs/twitter-api/rate-limits, "X API v2 rate limits - Basic") were not
   * readable here for their per-app rows: Free's and Basic's per-app numbers are not documented
   * in this file (a tweepy maintainer reports 15 mentions reads / 15 min per app on Basic, from
   * the developer portal — not X's documentation, not used): learned from X's headers.
   */
  appLimits: "https://docs.x.com/x-api/fundamentals/rate-limits",
  appMentionsLimit: "https://docs.x.com/x-api/posts/timelines/migrate/standard-to-twitter-api-v2",
  appLimitsReadOn: "2026-12-02",
} as const;

export interface Window {
  limit: number;
  windowMs: number;
}

/** The read endpoints the planner may use. */
export type ReadSource = "mentions" | "search" | "stream";

export interface TierLimits {
  /** GET /2/users/:id/mentions, per user. */
  mentions: Window;
  /** GET /2/tweets/search/recent, per user. */
  search: Window;
  /** GET /2/users/:id/tweets (the outbox reconciles in-flight posts with it). */
  ownTweets: Window;
  /** GET /2/tweets/search/stream connection attempts, per app; undefined: no stream on this tier. */
  stream?: Window;
  /** POST /2/tweets: every window must hold. */
  posts: Window[];
  /** Posts read a month over every read endpoint (X dedupes a post returned twice in a day). */
  monthlyReads: number;
  /**
   * The read endpoints' per-app windows (requests with the app-only Bearer token), separate from
   * the per-user ones; absent where X's documentation gives no number for the tier.
   */
  app: Partial<Record<"mentions" | "search", Window>>;
  /** @deprecated the mentions window (kept for callers that knew one read endpoint). */
  reads: Window;
}

const M15 = 15 * 60_000;
const DAY = 86_400_000;

const tier = (t: Omit<TierLimits, "reads">): TierLimits => ({ ...t, reads: t.mentions });

export const TIER_LIMITS: Record<Tier, TierLimits> = {
  free: tier({
    mentions: { limit: 1, windowMs: M15 },
    search: { limit: 1, windowMs: M15 },
    ownTweets: { limit: 1, windowMs: M15 },
    posts: [{ limit: 17, windowMs: DAY }],
    monthlyReads: 100,
    app: {}, // not documented: learned from X's headers
  }),
  basic: tier({
    mentions: { limit: 10, windowMs: M15 },
    search: { limit: 60, windowMs: M15 },
    ownTweets: { limit: 5, windowMs: M15 },
    posts: [{ limit: 100, windowMs: DAY }],
    monthlyReads: 10_000,
    app: {}, // not documented (LIMITS_SOURCE.appLimits): learned from X's headers
  }),
  pro: tier({
    mentions: { limit: 300, windowMs: M15 },
    search: { limit: 300, windowMs: M15 },
    ownTweets: { limit: 900, windowMs: M15 },
    stream: { limit: 50, windowMs: M15 },
    posts: [{ limit: 100, windowMs: M15 }, { limit: 10_000, windowMs: DAY }],
    monthlyReads: 1_000_000,
    app: { mentions: { limit: 450, windowMs: M15 }, search: { limit: 450, windowMs: M15 } },
  }),
  // Per-endpoint limits like Pro; each post read is paid, up to X's billing-cycle ceiling.
  "pay-per-use": tier({
    mentions: { limit: 300, windowMs: M15 },
    search: { limit: 300, windowMs: M15 },
    ownTweets: { limit: 900, windowMs: M15 },
    posts: [{ limit: 100, windowMs: M15 }],
    monthlyReads: 3_000_000,
    app: { mentions: { limit: 450, windowMs: M15 }, search: { limit: 450, windowMs: M15 } },
  }),
};

const windowOverride = z.object({
  limit: z.number().int().positive().max(1_000_000),
  windowSeconds: z.number().int().positive().max(31 * 86_400),
}).strict();

/** The `limits` block of the x plugin's config: any number of the tier replaced. */
export const limitsOverrideSchema = z.object({
  mentions: windowOverride.optional(),
  search: windowOverride.optional(),
  ownTweets: windowOverride.optional(),
  /** `false`: the account has no filtered stream whatever the tier. */
  stream: z.union([windowOverride, z.literal(false)]).optional(),
  posts: z.array(windowOverride).min(1).max(4).optional(),
  monthlyReads: z.number().int().positive().max(1e9).optional(),
  /** The per-app windows (app-only Bearer token) of the read endpoints. */
  app: z.object({ mentions: windowOverride.optional(), search: windowOverride.optional() })
    .strict().optional(),
}).strict();

export type LimitsOverride = z.output<typeof limitsOverrideSchema>;

const toWindow = (w: { limit: number; windowSeconds: number }): Window => ({
  limit: w.limit,
  windowMs: w.windowSeconds * 1000,
});

/** The tier's published limits with the operator's overrides applied. */
export function resolveLimits(name: Tier, override: LimitsOverride = {}): TierLimits {
  const base = TIER_LIMITS[name];
  const mentions = override.mentions ? toWindow(override.mentions) : base.mentions;
  return {
    mentions,
    reads: mentions,
    search: override.search ? toWindow(override.search) : base.search,
    ownTweets: override.ownTweets ? toWindow(override.ownTweets) : base.ownTweets,
    stream: override.stream === false
      ? undefined
      : override.stream
      ? toWindow(override.stream)
      : base.stream,
    posts: override.posts ? override.posts.map(toWindow) : base.posts,
    monthlyReads: override.monthlyReads ?? base.monthlyReads,
    app: {
      ...base.app,
      ...(override.app?.mentions ? { mentions: toWindow(override.app.mentions) } : {}),
      ...(override.app?.search ? { search: toWindow(override.app.search) } : {}),
    },
  };
}

/** The pause between reads that spends a window evenly. */
export const windowIntervalMs = (w: Window) => w.windowMs / w.limit;

/** The pause between mentions reads that spends the tier's allowance evenly. */
export const tierReadIntervalMs = (t: TierLimits) => windowIntervalMs(t.mentions);

/** Longest wait between two mentions reads that still lets a live auction close on time. */
const SHOW_READ_INTERVAL_MS = 5 * 60_000;
/** Fewest posts read a month that one show a day can run on (30 days × ~30 mentions). */
const SHOW_MONTHLY_READS = 1_000;

/**
 * Whether the tier can run a live show at all; undefined when it can. Free reads the mentions once
 * per 15 minutes and 100 posts a month (X's documentation, `LIMITS_SOURCE`): a bid would show a
 * quarter of an hour late and the month's reads would be spent by the first busy auction.
 */
export function showUnfit(name: Tier, t: TierLimits): string | undefined {
  const every = windowIntervalMs(t.mentions);
  const problems = [
    every > SHOW_READ_INTERVAL_MS &&
    `one mentions read every ${Math.round(every / 60_000)} min (bids show that late)`,
    t.monthlyReads < SHOW_MONTHLY_READS &&
    `${t.monthlyReads.toLocaleString("en-US")} posts read a month (one busy auction spends them)`,
  ].filter(Boolean);
  if (!problems.length) return undefined;
  return `the ${name} tier cannot run a live auction: ${problems.join(" and ")}; ` +
    "it needs more reads (Basic or above); the plugin still reads, at that pace, until the cap";
}
