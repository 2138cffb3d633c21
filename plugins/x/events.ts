/**
 * The x plugin's bus events, one zod schema each, types derived (`bid.submitted` and
 * `funds.keep-requested`, whose owners are the auction and the chain, are still declared in
 * mod.ts). Merged into the bus catalogue in mod.ts.
 */
import { z } from "zod";

/**
 * A bid tweet, for the auction to decide. Its type (in mod.ts) leaves `receivedAt` out for
 * sources that cannot tell (rehearsals, admin entry); what this plugin emits always has it.
 */
export const bidSubmittedSchema = z.object({
  tweetId: z.string(),
  authorId: z.string().optional(),
  handle: z.string().startsWith("@"),
  text: z.string(),
  tweetAt: z.string(),
  receivedAt: z.string(),
  editHistory: z.array(z.string().regex(/^\d{1,20}$/)).max(10).optional(),
});

export const xEvents = {
  /** Every mention read, whatever it asks for. */
  "tweet.received": z.object({
    tweetId: z.string(),
    authorId: z.string(),
    handle: z.string().startsWith("@"),
    text: z.string(),
    createdAt: z.string(),
  }),
  /** Every mention tweeted at or before `until` has been read and emitted. */
  "tweets.read-through": z.object({ until: z.string() }),
  /** A `link <proof>` tweet: the chain checks the proof and links the wallet. */
  "wallet.link-requested": z.object({
    tweetId: z.string(),
    authorId: z.string(),
    handle: z.string(),
    proof: z.string().min(1),
  }),
  /** A question (or anything not a command) for the host to answer. */
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

export type XEvents = {
  [K in keyof typeof xEvents]: z.output<typeof xEvents[K]>;
};
