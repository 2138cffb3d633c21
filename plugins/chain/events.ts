/**
 * The chain's bus events, one zod schema each (validated on emit), types derived
 * and merged into the bus here; mod.ts exports them. It owns its inputs too:
 * `wallet.link-requested` and `funds.keep-requested` are what a tweet source
 * sends it. `deposit.reversed` and `auction.settled` are the auction's (it
 * defines what an escrow provider tells it); the chain emits them.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";

const wei = z.bigint().nonnegative();

export const chainEvents = {
  /** A `link` tweet, with the signed proof the link page gave the bidder. */
  "wallet.link-requested": z.object({
    tweetId: z.string(),
    authorId: z.string(),
    handle: z.string(),
    proof: z.string().min(1),
  }),
  /** Keep (or stop keeping) a bidder's unspent escrow for the next auction instead of a refund. */
  "funds.keep-requested": z.object({
    tweetId: z.string(),
    authorId: z.string().optional(),
    handle: z.string(),
    keep: z.boolean(),
  }),
  /** `tweetId`: the `link` tweet it answers (the reply goes to that account's tweet). */
  "wallet.linked": z.object({
    handle: z.string(),
    xUserId: z.string(),
    address: z.string(),
    tweetId: z.string().optional(),
  }),
  "wallet.link-refused": z.object({
    tweetId: z.string(),
    handle: z.string(),
    reason: z.string(),
    message: z.string(),
  }),
  /** The answer to `funds.keep-requested` (a `keep` / `refund` tweet). */
  "funds.kept": z.object({
    tweetId: z.string(),
    handle: z.string(),
    keep: z.boolean(),
    ok: z.boolean(),
    message: z.string(),
  }),
  /** Credited to the account whose wallet sent it (null: no account linked that wallet yet). */
  "deposit.credited": z.object({
    handle: z.string().nullable(),
    xUserId: z.string().nullable().optional(),
    address: z.string(),
    amountWei: wei,
    txHash: z.string(),
    stage: z.enum(["pending", "final"]),
  }),
  /** An ERC-721 Transfer of a lot's token, found by the block scan (addresses checksummed). */
  "token.transferred": z.object({
    contract: z.string(),
    tokenId: z.bigint().nonnegative(),
    from: z.string(),
    to: z.string(),
    txHash: z.string(),
  }),
};

export type ChainEvents = EventsOf<typeof chainEvents>;
export type WalletLinkRequested = ChainEvents["wallet.link-requested"];
export type FundsKeepRequested = ChainEvents["funds.keep-requested"];
export type DepositCredited = ChainEvents["deposit.credited"];

declare module "../../core/bus.ts" {
  interface Events extends ChainEvents {}
}
