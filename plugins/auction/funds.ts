/**
 * The `funds` service the auction needs (and `funds-book`, the hand-kept kind a
 * rehearsal writes into): which wallet a handle has linked, and
 * how much of its escrow is credited. Provided by `funds-book` (rehearsals,
 * demos) or `chain` (production); exactly one is listed.
 *
 * Funds belong to the X account, not to the handle text: with `xUserId` a link
 * made by another account (a handle that changed owner) is no link at all.
 */

export interface Funds {
  /** The wallet linked to an X handle (`@name`, any case) by the account `xUserId`, or null. */
  walletOf(handle: string, xUserId?: string): Promise<string | null>;
  /** Credited escrow deposits − refunds − settled debits, in wei. Throws FundsUnavailableError when it cannot tell now. */
  balanceOf(handle: string, xUserId?: string): Promise<bigint>;
}

/** The provider cannot answer now (e.g. every RPC down): the bid waits rather than being rejected. */
export class FundsUnavailableError extends Error {
  override name = "FundsUnavailableError";
}

export type EntryKind = "deposit" | "refund" | "debit";

/**
 * Funds one writes into by hand (the funds-book plugin): what a rehearsal or an admin needs
 * to set a scene's wallets and escrow, defined here so the auction imports no provider.
 */
export interface FundsBook extends Funds {
  link(handle: string, address: string, xUserId?: string): Promise<void>;
  /** deposit adds to the balance; refund and debit take from it. */
  enter(handle: string, kind: EntryKind, amountWei: bigint, note?: string): Promise<bigint>;
}

declare module "../../core/plugin.ts" {
  interface Services {
    funds: Funds;
    "funds-book": FundsBook;
  }
}
