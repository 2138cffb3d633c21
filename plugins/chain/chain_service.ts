/**
 * The `chain` service: what the auction and the admin ask of the chain beyond
 * `funds`. A thin face over the parts that do the work (lots, the deposit
 * scanner, links, keeping escrow, settlement); it holds no state of its own.
 */
import type { Address } from "viem";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { CustodyCheck, NftRef } from "./custody.ts";
import { type DepositTxCheck, verifyDepositTx } from "./deposit_tx.ts";
import type { DepositScanner, SyncReport } from "./deposits.ts";
import type { EmbeddedChain } from "./embedded_chain.ts";
import { keepFunds } from "./keep_funds.ts";
import type { Lots } from "./lots.ts";
import { redactUrl } from "./rpc.ts";
import type { PayoutRow, Settlement } from "./settlement.ts";
import { completeLink, type LinkRequest, type WalletLinkDeps } from "./wallet_link.ts";

export interface ChainService {
  escrow: Address;
  chainId: number;
  rpcUrl: string;
  /** Can the custody account transfer this token? Call before opening an auction. */
  checkCustody(nft: NftRef): Promise<CustodyCheck>;
  /** Custody of an auction's lot (`setLot`, `lots[item]` or a CAIP-19 item); null: no token known. */
  checkAuctionCustody(auctionId: string, item: string): Promise<CustodyCheck | null>;
  /** Which token an auction sells (otherwise taken from `lots` or a CAIP-19 item). */
  setLot(auctionId: string, nft: NftRef): Promise<void>;
  /**
   * A bid naming a deposit tx: it must be from a wallet the bidder's X account linked (`xUserId`;
   * without it, the account that linked the handle last) to escrow with `minWei`.
   */
  verifyDepositTx(
    handle: string,
    txHash: string,
    minWei: bigint,
    xUserId?: string,
  ): Promise<DepositTxCheck>;
  /** One deposit pass now (the poll loop runs it too). */
  sync(): Promise<SyncReport>;
  /** Completes a link request (what the `wallet.link-requested` handler does). */
  link(request: LinkRequest): ReturnType<typeof completeLink>;
  /** Runs or resumes the settlement of an auction. */
  settle(auctionId: string): Promise<string>;
  /** Keep an X account's balance in escrow for the next auction instead of refunding it. */
  keepFunds(handle: string, keep: boolean, xUserId?: string): Promise<void>;
  claims(): Promise<PayoutRow[]>;
  retryClaim(payoutId: string): Promise<PayoutRow>;
  /** The embedded chain, when this plugin started one. */
  embedded: Omit<EmbeddedChain, "node" | "escrowKey"> | null;
}

export interface ChainServiceParts {
  db: Db;
  clock: Clock;
  escrow: Address;
  chainId: number;
  firstUrl: string;
  lots: Lots;
  scanner: DepositScanner;
  settlement: Settlement;
  linkDeps: WalletLinkDeps;
  embedded: EmbeddedChain | null;
}

export function chainService(parts: ChainServiceParts): ChainService {
  const { db, clock, lots, scanner, settlement, embedded } = parts;
  return {
    escrow: parts.escrow,
    chainId: parts.chainId,
    rpcUrl: redactUrl(parts.firstUrl),
    checkCustody: (lot) => lots.checkCustody(lot),
    checkAuctionCustody: (auctionId, item) => lots.checkAuctionCustody(auctionId, item),
    setLot: (auctionId, lot) => lots.set(auctionId, lot),
    verifyDepositTx: (handle, txHash, minWei, xUserId) =>
      verifyDepositTx(db, parts.linkDeps.box, scanner, { handle, txHash, minWei, xUserId }),
    sync: () => scanner.sync(),
    link: (request) => completeLink(parts.linkDeps, request),
    settle: (auctionId) => settlement.run(auctionId),
    keepFunds: (handle, keep, xUserId) => keepFunds(db, clock, { handle, keep, xUserId }),
    claims: () => settlement.claims(),
    retryClaim: (id) => settlement.retryClaim(id),
    embedded: embedded
      ? {
        url: embedded.url,
        chainId: embedded.chainId,
        nft: embedded.nft,
        tokens: embedded.tokens,
        bidders: embedded.bidders,
      }
      : null,
  };
}
