/**
 * What the account says, and to whom: bus events of the auction (and the
 * chain) become outbox posts with a priority, an idempotency key (so an event
 * seen twice posts once) and a coalesce key. It also records each handle's
 * bidding history for `/bidders/:handle`.
 *
 * Events of other plugins come typed by their owners (auction, chain): the bus
 * validated each payload against its owner's schema when it was emitted, so a
 * handler reads the fields as declared and re-declares none of them.
 */
import { formatEther } from "viem";
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
