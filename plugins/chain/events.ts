/**
 * The chain's bus events and their schemas (validated on emit: they cross plugin
 * boundaries). Types are derived from the schemas and merged into the bus
 * catalogue in mod.ts; nothing else declares these shapes.
 */
import { z } from "zod";

const wei = z.bigint().nonnegative();

export const chainEvents = {
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
  /** `xUserId`: the account that owns the wallet (null: none linked it). */
  "deposit.reversed": z.object({
    txHash: z.string(),
    address: z.string(),
    xUserId: z.string().nullable().optional(),
    amountWei: wei,
  }),
  "auction.settled": z.object({
    auctionId: z.string(),
    winner: z.string().nullable(),
    txHash: z.string().nullable(),
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

export type ChainEvents = {
  [K in keyof typeof chainEvents]: z.output<typeof chainEvents[K]>;
};
