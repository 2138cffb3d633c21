/**
 * The auction plugin's configuration (deno.json): every field bounded, with its
 * default; auctions and campaigns validated by their own schemas.
 */
import { z } from "zod";
import { amountSchema, auctionSchema } from "./auction_config.ts";
import { campaignSchema } from "./campaigns.ts";
import { NUMERIC_78_MAX } from "./store.ts";

export const auctionConfig = z.object({
  /**
   * What confirms that no more tweets before a time can arrive: "tweets" waits for the
   * tweet source's `tweets.read-through`; "clock" (no tweet source, e.g. a demo) lets the
   * clock stand in, closing at end + ingestGraceSeconds.
   */
  watermark: z.enum(["tweets", "clock"]).default("tweets"),
  auctions: z.array(auctionSchema).default([]),
  campaigns: z.array(campaignSchema).default([]),
  rateLimit: z.object({
    bids: z.number().int().positive().default(10),
    perSeconds: z.number().int().positive().default(60),
  }).default({ bids: 10, perSeconds: 60 }),
  /**
   * The most a bid (or a maximum) may be, `"<decimal> ETH"` or wei; above it a bid is
   * `malformed`. Bounds what any tweet can put into the `numeric(78, 0)` columns.
   */
  maxBid: amountSchema.refine((v) => v > 0n && v <= NUMERIC_78_MAX, "between 1 wei and 10^78 − 1")
    .default(10_000n * 10n ** 18n),
  /** How long a bid waits for the funds provider before it is rejected. */
  fundsWaitSeconds: z.number().positive().default(120),
  fundsRetrySeconds: z.number().positive().default(5),
  /**
   * Most decisions of one batch (tweets that arrived together) committed in one
   * transaction. 1: every decision is its own transaction. More (default 50): a burst
   * shares one commit and one lease check — far higher throughput when a backlog forms,
   * same guarantee that nothing is announced before it is durable; a crash keeps or loses
   * the group whole (a group lost was never announced: its tweets are decided again).
   */
  commitGroup: z.number().int().min(1).max(1000).default(50),
  /** How often an auction held back by failed custody is checked again (with `chain`). */
  custodyRecheckSeconds: z.number().positive().default(30),
  /** The public pages (`/`, `/auctions/:id`): what they tell a bidder to tweet, and where to link. */
  public: z.object({
    /** The host's X handle (X_HOST_HANDLE), as the bid tweets name it. */
    hostHandle: z.string().regex(/^@?\w{1,15}$/, "an X handle").default("SothebAIs"),
    /** The link page; default `/link` on this engine. */
    linkUrl: z.string().url().optional(),
    /** Most live listeners (`/auction/live`) at once; more are told to come back. */
    maxListeners: z.number().int().min(1).max(100_000).default(2000),
    /**
     * Most live listeners from one client address at once (the connection's peer: behind a
     * reverse proxy, the proxy's); more from it are a 429. Keeps one client from taking every
     * slot above.
     */
    maxListenersPerAddress: z.number().int().min(1).max(100_000).default(8),
  }).default({ hostHandle: "SothebAIs", maxListeners: 2000, maxListenersPerAddress: 8 }),
});

export type AuctionConfig = z.output<typeof auctionConfig>;
