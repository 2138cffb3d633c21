/**
 * The x plugin's bus events, one zod schema each (validated on emit), types
 * derived and merged into the bus here; mod.ts exports them. What it sends to
 * others it depends on (`bid.submitted` to the auction, `wallet.link-requested`
 * to the chain) is owned by that plugin, and imported from its face.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";

export const xEvents = {
  /** Every mention read, once, in tweet order (before it is read as a command). */
  "tweet.received": z.object({
    tweetId: z.string(),
    authorId: z.string(),
    handle: z.string().startsWith("@"),
    text: z.string(),
    createdAt: z.string(),
  }),
  /** A viewer's question to the host (`@host ? …`), answered on air and, budget allowing, on X. */
  "host.question": z.object({ tweetId: z.string(), handle: z.string(), text: z.string() }),
  /** How to bid, as the stream's ticker shows it: the grammar, with the facts from config. */
  "help.published": z.object({
    lines: z.array(z.string().min(1)).min(1),
    hostHandle: z.string().startsWith("@"),
    linkUrl: z.string().url(),
  }),
  /** X refused a post for good (or every wording of it was a duplicate): it will not go out. */
  "x.post-failed": z.object({
    key: z.string(),
    kind: z.string(),
    reason: z.string().max(500),
  }),
};

/** What it sends: its own events, and the requests the auction and the chain own. */
export const xEmits = [
  "tweet.received",
  "bid.submitted",
  "tweets.read-through",
  "wallet.link-requested",
  "host.question",
  "funds.keep-requested",
  "help.published",
  "x.post-failed",
];

/** What it hears: the show's story, told on X (notifications.ts), and its own start. */
export const xListens = [
  "engine.started",
  "auction.updated",
  "auction.opened",
  "bid.submitted",
  "bid.accepted",
  "bid.max-set",
  "bid.rejected",
  "auction.closed",
  "auction.settled",
  "wallet.linked",
  "wallet.link-refused",
  "funds.kept",
];

export type XEvents = EventsOf<typeof xEvents>;
export type HelpPublished = XEvents["help.published"];

declare module "../../core/bus.ts" {
  interface Events extends XEvents {}
}
