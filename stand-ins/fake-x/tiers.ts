/**
 * X's published per-user limits by access tier, as the fake server enforces
 * them (15-minute windows unless noted), and the monthly cap on posts read
 * (docs.x.com post-cap page, read 2026-12-01). Pay-per-use has per-endpoint limits
 * like Pro; its spend cap is the operator's, not X's.
 */
export type Tier = "free" | "basic" | "pro" | "pay-per-use";

export interface TierLimits {
  endpoints: Record<string, { limit: number; windowMs: number }>;
  /** POST /2/tweets per user per 24 h (`x-user-limit-24hour-*`). */
  postsPerDay: number;
  /** Filtered stream access (Pro and above). */
  stream: boolean;
  /** Posts read a calendar month (UTC) over every read endpoint; a post read twice a day counts once. */
  monthlyReads: number;
}

const M15 = 15 * 60_000;
const DAY = 86_400_000;

export const TIERS: Record<Tier, TierLimits> = {
  free: {
    endpoints: {
      "GET /2/users/me": { limit: 25, windowMs: DAY },
      "GET /2/users/by/username/:username": { limit: 3, windowMs: M15 },
      "GET /2/users/:id/mentions": { limit: 1, windowMs: M15 },
      "GET /2/users/:id/tweets": { limit: 1, windowMs: M15 },
      "GET /2/tweets/search/recent": { limit: 1, windowMs: M15 },
      "POST /2/tweets": { limit: 17, windowMs: DAY },
    },
    postsPerDay: 17,
    stream: false,
    monthlyReads: 100,
  },
  basic: {
    endpoints: {
      "GET /2/users/me": { limit: 75, windowMs: M15 },
      "GET /2/users/by/username/:username": { limit: 100, windowMs: DAY },
      "GET /2/users/:id/mentions": { limit: 10, windowMs: M15 },
      "GET /2/users/:id/tweets": { limit: 5, windowMs: M15 },
      "GET /2/tweets/search/recent": { limit: 60, windowMs: M15 },
      "POST /2/tweets": { limit: 100, windowMs: DAY },
    },
    postsPerDay: 100,
    stream: false,
    monthlyReads: 10_000,
  },
  pro: {
    endpoints: {
      "GET /2/users/me": { limit: 75, windowMs: M15 },
      "GET /2/users/by/username/:username": { limit: 900, windowMs: M15 },
      "GET /2/users/:id/mentions": { limit: 300, windowMs: M15 },
      "GET /2/users/:id/tweets": { limit: 900, windowMs: M15 },
      "GET /2/tweets/search/recent": { limit: 300, windowMs: M15 },
      "POST /2/tweets": { limit: 100, windowMs: M15 },
      "GET /2/tweets/search/stream": { limit: 50, windowMs: M15 },
      "GET /2/tweets/search/stream/rules": { limit: 450, windowMs: M15 },
      "POST /2/tweets/search/stream/rules": { limit: 100, windowMs: M15 },
    },
    postsPerDay: 10_000,
    stream: true,
    monthlyReads: 1_000_000,
  },
  "pay-per-use": {
    endpoints: {
      "GET /2/users/me": { limit: 75, windowMs: M15 },
      "GET /2/users/by/username/:username": { limit: 900, windowMs: M15 },
      "GET /2/users/:id/mentions": { limit: 300, windowMs: M15 },
      "GET /2/users/:id/tweets": { limit: 900, windowMs: M15 },
      "GET /2/tweets/search/recent": { limit: 300, windowMs: M15 },
      "POST /2/tweets": { limit: 100, windowMs: M15 },
    },
    postsPerDay: 10_000,
    stream: false,
    monthlyReads: 3_000_000,
  },
};
