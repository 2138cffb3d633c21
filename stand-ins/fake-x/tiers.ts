/**
 * The limits the fake X enforces per access tier: X's published numbers as the x plugin plans
 * with them (`plugins/x/tier_limits.ts`, one file, with the date they were read), so a number is
 * never written twice; here only the endpoints the plugin does not plan with (user lookups, the
 * stream's rules) and X's per-app daily cap on posting where the tier has no daily window.
 * Windows are 15 minutes unless noted. The read endpoints' per-app windows (Bearer token) are the
 * plugin's where its file documents them (Pro, pay-per-use); where it does not (Free, Basic), the
 * fake ASSUMES the per-app window equals the per-user one (a stated assumption, not X's number:
 * option `appLimits` replaces it).
 */
import { type Tier, TIER_LIMITS, type TierLimits as PluginLimits } from "../../plugins/x/mod.ts";

export type { Tier };

export interface TierLimits {
  endpoints: Record<string, { limit: number; windowMs: number }>;
  /** The per-app windows (requests with a Bearer token), separate from `endpoints`' per-user ones. */
  appEndpoints: Record<string, { limit: number; windowMs: number }>;
  /** POST /2/tweets per user per 24 h (`x-user-limit-24hour-*`). */
  postsPerDay: number;
  /** Filtered stream access (Pro and above). */
  stream: boolean;
  /** Posts read a calendar month (UTC) over every read endpoint; a post read twice a day counts once. */
  monthlyReads: number;
}

const M15 = 15 * 60_000;
const DAY = 86_400_000;
/** X's per-app cap on posts a day (the rate-limits page, Create Post), for tiers without a daily window. */
const APP_POSTS_PER_DAY = 10_000;

/** Endpoints the plugin does not plan with, per tier. */
const EXTRA: Record<Tier, Record<string, { limit: number; windowMs: number }>> = {
  free: {
    "GET /2/users/me": { limit: 25, windowMs: DAY },
    "GET /2/users/by/username/:username": { limit: 3, windowMs: M15 },
  },
  basic: {
    "GET /2/users/me": { limit: 75, windowMs: M15 },
    "GET /2/users/by/username/:username": { limit: 100, windowMs: DAY },
  },
  pro: {
    "GET /2/users/me": { limit: 75, windowMs: M15 },
    "GET /2/users/by/username/:username": { limit: 900, windowMs: M15 },
    "GET /2/tweets/search/stream/rules": { limit: 450, windowMs: M15 },
    "POST /2/tweets/search/stream/rules": { limit: 100, windowMs: M15 },
  },
  "pay-per-use": {
    "GET /2/users/me": { limit: 75, windowMs: M15 },
    "GET /2/users/by/username/:username": { limit: 900, windowMs: M15 },
  },
};

function fromPlugin(tier: Tier, t: PluginLimits): TierLimits {
  // The shortest posting window is the endpoint's; a window of a day or more is the daily cap.
  const posts = [...t.posts].sort((a, b) => a.windowMs - b.windowMs);
  const daily = posts.find((w) => w.windowMs >= DAY);
  return {
    endpoints: {
      ...EXTRA[tier],
      "GET /2/users/:id/mentions": t.mentions,
      "GET /2/users/:id/tweets": t.ownTweets,
      "GET /2/tweets/search/recent": t.search,
      "POST /2/tweets": posts[0],
      ...(t.stream ? { "GET /2/tweets/search/stream": t.stream } : {}),
    },
    appEndpoints: {
      // Assumed equal to the per-user window where X's per-app number is not documented.
      "GET /2/users/:id/mentions": t.app.mentions ?? t.mentions,
      "GET /2/tweets/search/recent": t.app.search ?? t.search,
    },
    postsPerDay: daily?.limit ?? APP_POSTS_PER_DAY,
    stream: Boolean(t.stream),
    monthlyReads: t.monthlyReads,
  };
}

export const TIERS = Object.fromEntries(
  (Object.keys(TIER_LIMITS) as Tier[]).map((tier) => [tier, fromPlugin(tier, TIER_LIMITS[tier])]),
) as Record<Tier, TierLimits>;
