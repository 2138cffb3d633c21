/**
 * The auction's bus events and their schemas (validated on emit, since they
 * cross plugin boundaries). The auction owns its inputs too: `bid.submitted`
 * and `tweets.read-through` are what any tweet source (x, a rehearsal, the
 * panel) must send it. Types are derived and merged into the bus here; mod.ts exports them.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";
import { REASONS } from "./rules.ts";

const wei = z.bigint().nonnegative();
const iso = z.string();
const status = z.enum(["scheduled", "open", "paused", "closed", "cancelled"]);

export const auctionEvents = {
  /** A tweet read as a bid, to be decided. The auction normalises and bounds every field again. */
  "bid.submitted": z.object({
    tweetId: z.string(),
    authorId: z.string().optional(),
    handle: z.string(),
    text: z.string(),
    tweetAt: iso,
    /** When the source read it; sources that cannot tell (rehearsals, admin entry) leave it out. */
    receivedAt: iso.optional(),
    /** X's `edit_history_tweet_ids` of an edited tweet, oldest first: an edit is never a second bid. */
    editHistory: z.array(z.string().max(40)).max(10).optional(),
  }),
  /** The tweet source has read every tweet up to `until`: the watermark closings wait for. */
  "tweets.read-through": z.object({ until: iso }),
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
  /**
   * Inputs from whoever holds the escrow and the lots (the chain plugin): defined here, like
   * `Funds`, so a provider imports them from the auction and never the other way round.
   * A deposit that had been credited is gone (a reorg); `xUserId`: the account that owns the wallet.
   */
  "deposit.reversed": z.object({
    txHash: z.string(),
    address: z.string(),
    xUserId: z.string().nullable().optional(),
    amountWei: wei,
  }),
  /** The lot went to the winner (or back) and the escrow was settled. */
  "auction.settled": z.object({
    auctionId: z.string(),
    winner: z.string().nullable(),
    txHash: z.string().nullable(),
  }),
  "campaign.phase": z.object({
    campaignId: z.string(),
    day: z.string(),
    phase: z.enum(["pre-auction", "auction", "post-auction"]),
    auctionId: z.string(),
    startsAt: iso,
    endsAt: iso,
  }),
};

export type AuctionEvents = EventsOf<typeof auctionEvents>;

declare module "../../core/bus.ts" {
  interface Events extends AuctionEvents {}
}

export type BidSubmitted = AuctionEvents["bid.submitted"];
export type AuctionUpdated = AuctionEvents["auction.updated"];
export type AuctionOpened = AuctionEvents["auction.opened"];
export type BidAccepted = AuctionEvents["bid.accepted"];
export type BidRejected = AuctionEvents["bid.rejected"];
export type AuctionExtended = AuctionEvents["auction.extended"];
export type AuctionClosed = AuctionEvents["auction.closed"];
export type AuctionSettled = AuctionEvents["auction.settled"];
export type DepositReversed = AuctionEvents["deposit.reversed"];
export type CampaignPhase = AuctionEvents["campaign.phase"];
export type Phase = CampaignPhase["phase"];
