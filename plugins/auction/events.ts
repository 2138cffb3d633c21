/**
 * The auction's bus events and their schemas (validated on emit, since they
 * cross plugin boundaries). Types are merged into the bus catalogue in mod.ts.
 */
import { z } from "zod";
import { REASONS } from "./rules.ts";

const wei = z.bigint().nonnegative();
const iso = z.string();
const status = z.enum(["scheduled", "open", "paused", "closed", "cancelled"]);

export const auctionEvents = {
  "auction.updated": z.object({
    auctionId: z.string(),
    item: z.string(),
    status,
    startsAt: iso,
    endsAt: iso,
    maxEndsAt: iso,
    reserveWei: wei,
    priceWei: wei.nullable(),
    leader: z.object({ handle: z.string(), tweetId: z.string(), amountWei: wei }).nullable(),
    bidCount: z.number().int(),
    /** The least the next bid may be, already rounded to a readable step: what the rules require. */
    minNextWei: wei,
    extensions: z.number().int(),
    /** The rules a viewer is told (ticker) and the tweet source sweeps by (end + grace). */
    extensionWindowSeconds: z.number().int(),
    extensionSeconds: z.number().int(),
    ingestGraceSeconds: z.number().int(),
  }),
  "auction.opened": z.object({
    auctionId: z.string(),
    item: z.string(),
    startsAt: iso,
    endsAt: iso,
  }),
  /** One entry of the bid log: a tweet's bid, or an automatic raise of a maximum (`proxy`). */
  "bid.accepted": z.object({
    auctionId: z.string(),
    /** The bidder's tweet (for a raise: the tweet that placed the maximum). */
    tweetId: z.string(),
    /** The entry: the tweet id, or `<causing tweet>:proxy` for a raise. */
    entryId: z.string(),
    handle: z.string(),
    /** The bidder's X user id (the lower-case handle when the tweet's source gave none). */
    bidderId: z.string().optional(),
    amountWei: wei,
    at: iso,
    previousLeader: z.object({ handle: z.string(), amountWei: wei }).nullable(),
    endsAt: iso,
    proxy: z.boolean(),
    /** The tweet placed a maximum (which is never told); this is the bid it placed now. */
    max: z.boolean(),
    /** Still leads after the decision (false: a maximum placed earlier answered at once). */
    leads: z.boolean(),
    /** For a raise: the tweet that caused it. */
    causedBy: z.string().nullable(),
  }),
  /** A leader's maximum raised, lowered or cancelled: no new bid, their current one stands. */
  "bid.max-set": z.object({
    auctionId: z.string(),
    tweetId: z.string(),
    handle: z.string(),
    cancelled: z.boolean(),
    currentWei: wei,
    at: iso,
  }),
  "bid.rejected": z.object({
    auctionId: z.string().nullable(),
    tweetId: z.string(),
    handle: z.string(),
    reason: z.enum(REASONS),
    message: z.string(),
    at: iso,
  }),
  "auction.extended": z.object({ auctionId: z.string(), endsAt: iso, previousEndsAt: iso }),
  "auction.closed": z.object({
    auctionId: z.string(),
    /** `bidderId`: the winner's X user id (the lower-case handle when the source gave none). */
    winner: z.object({
      handle: z.string(),
      amountWei: wei,
      tweetId: z.string(),
      bidderId: z.string().optional(),
    }).nullable(),
    runnerUp: z.object({ handle: z.string(), amountWei: wei }).nullable(),
    at: iso,
  }),
  /** Due to open but held scheduled (custody of the lot failed); re-checked until its end. */
  "auction.blocked": z.object({ auctionId: z.string(), reason: z.string() }),
  "campaign.phase": z.object({
    campaignId: z.string(),
    day: z.string(),
    phase: z.enum(["pre-auction", "auction", "post-auction"]),
    auctionId: z.string(),
    startsAt: iso,
    endsAt: iso,
  }),
};

export type AuctionEvents = {
  [K in keyof typeof auctionEvents]: z.output<typeof auctionEvents[K]>;
};
