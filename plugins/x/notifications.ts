/**
 * What the account says, and to whom: bus events of the auction (and the
 * chain) become outbox posts with a priority, an idempotency key (so an event
 * seen twice posts once) and a coalesce key. It also records each handle's
 * bidding history for `/bidders/:handle`.
 *
 * Events of other plugins are validated here with their agreed shapes, so a
 * change on their side shows up as a logged mismatch, not a wrong post.
 */
import { formatEther } from "viem";
import { z } from "zod";
import type { Bus } from "../../core/bus.ts";
import { type Clock, TIME_ZONE } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { noticeContext } from "./notice_context.ts";
import { auctionNotices } from "./notify_auction.ts";
import { bidNotices } from "./notify_bids.ts";
import { chainNotices } from "./notify_chain.ts";
import type { LinkTweets } from "./link_tweets.ts";
import type { Reminders } from "./reminders.ts";
import type { PostRequest, Summarize } from "./outbox.ts";

const wei = z.union([z.bigint(), z.string().regex(/^\d+$/).transform(BigInt)]);

export const bidAcceptedSchema = z.object({
  auctionId: z.string(),
  tweetId: z.string(),
  handle: z.string(),
  amountWei: wei,
  at: z.string(),
  previousLeader: z.object({ handle: z.string(), amountWei: wei }).nullable(),
  endsAt: z.string(),
  entryId: z.string().optional(),
  proxy: z.boolean().default(false),
  max: z.boolean().default(false),
  leads: z.boolean().default(true),
});
export const maxSetSchema = z.object({
  auctionId: z.string(),
  tweetId: z.string(),
  handle: z.string(),
  cancelled: z.boolean(),
  currentWei: wei,
  at: z.string(),
});
export const bidRejectedSchema = z.object({
  auctionId: z.string().nullable(),
  tweetId: z.string(),
  handle: z.string(),
  reason: z.string(),
  message: z.string(),
  at: z.string(),
});
export const auctionClosedSchema = z.object({
  auctionId: z.string(),
  winner: z.object({ handle: z.string(), amountWei: wei, tweetId: z.string() }).nullable(),
  runnerUp: z.object({ handle: z.string(), amountWei: wei }).nullable(),
  at: z.string(),
});
export const auctionOpenedSchema = z.object({
  auctionId: z.string(),
  item: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
});
export const auctionUpdatedSchema = z.object({
  auctionId: z.string(),
  item: z.string(),
  status: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  bidCount: z.number().optional(),
  minNextWei: wei.optional(),
  ingestGraceSeconds: z.number().optional(),
});
/** As the chain declares it: no winner, or no NFT transfer, leaves nulls. */
export const auctionSettledSchema = z.object({
  auctionId: z.string(),
  winner: z.string().nullable(),
  txHash: z.string().nullable(),
});
export const walletLinkedSchema = z.object({
  handle: z.string(),
  xUserId: z.string(),
  address: z.string(),
  /** Not sent by the chain today; when it is, the reply goes to that tweet. */
  tweetId: z.string().optional(),
});
export const walletLinkRefusedSchema = z.object({
  tweetId: z.string(),
  handle: z.string(),
  reason: z.string(),
  message: z.string(),
});

export const fundsKeptSchema = z.object({
  tweetId: z.string(),
  handle: z.string(),
  keep: z.boolean(),
  ok: z.boolean(),
  message: z.string(),
});

export const eth = (amount: bigint) => `${formatEther(amount)} ETH`;

export const etTime = (iso: string) =>
  Temporal.Instant.from(iso).toLocaleString("en-US", {
    timeZone: TIME_ZONE,
    hour: "numeric",
    minute: "2-digit",
  }) + " ET";

/** How waiting posts of one kind merge into one. */
export const SUMMARIES: Record<string, Summarize> = {
  ack: (rows) => {
    const last = rows.at(-1)!.payload as { handle: string; amount: string; item: string };
    return {
      text: `New leader on ${last.item}: ${last.handle} at ${last.amount} — ${rows.length} bids ` +
        `since our last update. Every bid is on the live stream.`,
      replyTo: rows.at(-1)!.replyTo,
    };
  },
  // The latest state is what matters to the person outbid or refused.
  outbid: (rows) => rows.at(-1)!,
  rejection: (rows) => rows.at(-1)!,
};

export interface NotifierOptions {
  bus: Bus;
  db: Db;
  clock: Clock;
  log: Log;
  hostHandle: string;
  publicUrl: string;
  /** The link page, for refusals that need a linked wallet. */
  linkUrl: string;
  remindLeadMinutes: number;
  /** A lot's item name from the auction (the `auctions` service), when this plugin has not seen it. */
  itemName?(auctionId: string): string | undefined;
  links: LinkTweets;
  /** Who asked to be reminded (`x_reminders` is that file's). */
  reminders: Reminders;
  enqueue(request: PostRequest): Promise<unknown>;
}

export interface Notifications {
  stop(): void;
  /** Resolves when no event is still being turned into posts. */
  idle(): Promise<void>;
}

export function startNotifications(o: NotifierOptions): Notifications {
  const c = noticeContext(o);
  const offs = [...auctionNotices(c), ...bidNotices(c), ...chainNotices(c)];
  return {
    stop() {
      for (const off of offs) off();
      for (const cancel of c.reminders.values()) cancel();
    },
    async idle() {
      while (c.inFlight.size) await Promise.all([...c.inFlight]);
    },
  };
}
