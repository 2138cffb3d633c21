/**
 * The x plugin's configuration: one schema, validated at start (an error names the field), and the
 * facts derived from it that replies quote (the handle with its `@`, the public and link pages).
 */
import { z } from "zod";
import { DEFAULT_INGEST_LAG_MS } from "./mention_reader.ts";
import { limitsOverrideSchema } from "./tier_limits.ts";

export const xConfigSchema = z.object({
  /** X_HOST_HANDLE: the host account, with or without `@`. */
  hostHandle: z.string().regex(/^@?\w{1,15}$/).default("SothebAIs"),
  /** X_TIER */
  tier: z.enum(["free", "basic", "pro", "pay-per-use"]).default("basic"),
  apiKey: z.string().optional(),
  apiSecret: z.string().optional(),
  accessToken: z.string().optional(),
  accessSecret: z.string().optional(),
  bearerToken: z.string().optional(),
  /** X_API_BASE_URL; unset: api.x.com with credentials, the listed `fake-x` plugin without. */
  baseUrl: z.string().url().optional(),
  /** Use the filtered stream when the tier has it (Pro): mentions within a second. */
  stream: z.boolean().default(true),
  /** Read the `mentions` timeline or recent `search` for the handle. */
  source: z.enum(["mentions", "search"]).default("mentions"),
  /** With `source: mentions`, also read recent search for the handle (the planner's second source). */
  search: z.boolean().default(true),
  /** The campaign's expected mentions a day: the month's projection until a day is observed. */
  expectedMentionsPerDay: z.number().int().min(0).max(100_000_000).optional(),
  /** The campaign's lots a day: what `check` plans the day's posts for (at run time: the schedule). */
  lotsPerDay: z.number().int().min(0).max(1000).default(1),
  read: z.boolean().default(true),
  post: z.boolean().default(true),
  /** First run: also read mentions tweeted before the plugin ever ran. */
  backfill: z.boolean().default(false),
  ingestLagMs: z.number().int().min(0).default(DEFAULT_INGEST_LAG_MS),
  /** Shortest pause between reads, whatever the headers allow. */
  minPollMs: z.number().int().min(0).default(1000),
  /** Any of the tier's published numbers replaced (`tier_limits.ts`), e.g. a contract's. */
  limits: limitsOverrideSchema.default({}),
  /** Overrides the tier's posting windows (e.g. a spend cap for pay-per-use); wins over `limits.posts`. */
  postLimits: z.array(
    z.object({ limit: z.number().int().positive(), windowSeconds: z.number().positive() }),
  ).optional(),
  /**
   * Each handle's share of the posts: at most `posts` refusals and answers to one handle in
   * `windowSeconds`; past it, its refusals are decided and shown on the stream, not replied to.
   */
  perHandle: z.object({
    posts: z.number().int().min(0).max(10_000).default(3),
    windowSeconds: z.number().positive().max(31 * 86_400).default(3600),
  }).default({ posts: 3, windowSeconds: 3600 }),
  /** Questions to the host one handle may ask in a window; more are dropped unanswered. */
  questionLimit: z.object({
    questions: z.number().int().min(0).max(10_000).default(3),
    windowSeconds: z.number().positive().max(31 * 86_400).default(600),
  }).default({ questions: 3, windowSeconds: 600 }),
  /** Where `/bidders/:handle` and the bid receipts are public, for replies. */
  publicUrl: z.string().url().default("http://127.0.0.1:8000"),
  /** The link page bidders sign on; default `<publicUrl>/link` (the chain plugin's page). */
  linkUrl: z.string().url().optional(),
  /** Before an auction closes: search the last minutes of it for mentions the timeline missed. */
  sweepMinutes: z.number().min(0).max(60).default(10),
  remindLeadMinutes: z.number().min(0).default(15),
});

export type XConfig = z.output<typeof xConfigSchema>;

/** What replies and the ticker quote, from config. */
export interface XFacts {
  hostHandle: string;
  publicUrl: string;
  linkUrl: string;
}

export function factsOf(config: XConfig): XFacts {
  const publicUrl = config.publicUrl.replace(/\/+$/, "");
  return {
    hostHandle: `@${config.hostHandle.replace(/^@/, "")}`,
    publicUrl,
    linkUrl: config.linkUrl ?? `${publicUrl}/link`,
  };
}
