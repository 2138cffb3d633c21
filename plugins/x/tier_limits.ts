/**
 * What the plugin may spend per X access tier (per user, OAuth 1.0a): reads of
 * the mentions timeline and posts. From X's published rate-limit tables; the
 * `x-rate-limit-*` headers of each response refine the read pace at run time.
 */
export type Tier = "free" | "basic" | "pro" | "pay-per-use";

export interface Window {
  limit: number;
  windowMs: number;
}

export interface TierLimits {
  /** GET /2/users/:id/mentions (and recent search, when used instead). */
  reads: Window;
  /** POST /2/tweets: every window must hold. */
  posts: Window[];
  /** Whether the filtered stream is available (Pro and above). */
  stream: boolean;
}

const M15 = 15 * 60_000;
const DAY = 86_400_000;

export const TIER_LIMITS: Record<Tier, TierLimits> = {
  free: {
    reads: { limit: 1, windowMs: M15 },
    posts: [{ limit: 17, windowMs: DAY }],
    stream: false,
  },
  basic: {
    reads: { limit: 10, windowMs: M15 },
    posts: [{ limit: 100, windowMs: DAY }],
    stream: false,
  },
  pro: {
    reads: { limit: 300, windowMs: M15 },
    posts: [{ limit: 100, windowMs: M15 }, { limit: 10_000, windowMs: DAY }],
    stream: true,
  },
  // Per-endpoint limits like Pro; each post is paid, so the operator's daily cap applies too.
  "pay-per-use": {
    reads: { limit: 300, windowMs: M15 },
    posts: [{ limit: 100, windowMs: M15 }],
    stream: false,
  },
};

/** The pause between reads that spends the tier's allowance evenly. */
export const tierReadIntervalMs = (t: TierLimits) => t.reads.windowMs / t.reads.limit;
