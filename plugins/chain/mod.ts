/**
 * chain: wallet links (SIWE), escrow deposits, NFT custody and settlement, all
 * through viem. Provides `funds` (balances for the auction) and `chain` (link,
 * custody, deposit-by-tx, settlement and claims for the auction and the admin).
 * With no RPC URL it starts its own anvil with the demo ERC-721 (embedded default).
 * This file is wiring: the work lives in the files it imports, each table written
 * by one of them.
 */
import { definePlugin, type PluginContext } from "../../core/plugin.ts";
import type { Funds } from "../auction/mod.ts";
import { type ChainConfig, chainConfig } from "./chain_config.ts";
import { watchChain } from "./chain_health.ts";
import { createChainFunds } from "./chain_funds.ts";
import { type ChainService, chainService } from "./chain_service.ts";
import { checkChain } from "./check.ts";
import { type ChainConnection, connectChain } from "./connect.ts";
import { createDepositScanner } from "./deposits.ts";
import { listenInOrder } from "./event_handlers.ts";
import { chainEvents } from "./events.ts";
import { createLots, lotsByItem } from "./lots.ts";
import { mountLinkPage } from "./link_page.ts";
import { linkStandby } from "./link_standby.ts";
import { resealPairing } from "./pairing.ts";
import { startPollLoop } from "./poll_loop.ts";
import { createSettlement } from "./settlement.ts";
import { tokenTransfers } from "./token_transfers.ts";
import type { WalletLinkDeps } from "./wallet_link.ts";

export type { CustodyCheck, NftRef } from "./custody.ts";
export type { ChainService } from "./chain_service.ts";
export type { DepositTxCheck } from "./deposit_tx.ts";
export type {
  ChainEvents,
  DepositCredited,
  FundsKeepRequested,
  WalletLinkRequested,
} from "./events.ts";

declare module "../../core/plugin.ts" {
  interface Services {
    funds: Funds;
    chain: ChainService;
  }
}

export default definePlugin({
  name: "chain",
  config: chainConfig,
  events: chainEvents,
  emits: [
    "wallet.linked",
    "wallet.link-refused",
    "funds.kept",
    "deposit.credited",
    "deposit.reversed",
    "auction.settled",
    "token.transferred",
  ],
  listens: [
    "wallet.link-requested",
    "funds.keep-requested",
    "bid.accepted",
    "auction.opened",
    "auction.updated",
    "auction.closed",
    "deposit.credited",
    "deposit.reversed",
  ],
  provides: ["funds", "chain"],
  migrations: new URL("./migrations/", import.meta.url),
  // The wallet ↔ account pairing, sealed at rest (pairing.ts).
  reseal: resealPairing,
  check: ({ config, timeoutMs }) => checkChain(config, timeoutMs),
  // On a standby engine: the link page's read-only shell (link_standby.ts).
  standby: linkStandby,
  async setup(ctx) {
    const connection = await connectChain(ctx.config, ctx.dataDir, ctx.log);
    try {
      return wire(ctx, connection);
    } catch (error) {
      await connection.embedded?.node.stop("SIGTERM"); // do not leave anvil running
      throw error;
    }
  },
});

function wire(ctx: PluginContext<ChainConfig>, connection: ChainConnection) {
  const { config: cfg, bus, clock, log, db } = ctx;
  const { embedded, rpc, account, chainId } = connection;
  const escrow = account.address;
  const base = { db, rpc, bus, clock, log, box: ctx.secrets };
  const linkDeps: WalletLinkDeps = {
    ...base,
    chainId,
    domain: cfg.linkDomain ?? new URL(cfg.linkUri).host,
    uri: cfg.linkUri,
    ttlMs: cfg.linkTtlMinutes * 60_000,
  };
  const byItem = lotsByItem(cfg.lots, embedded);
  const lots = createLots({ db, rpc, custody: escrow, byItem, head: () => funds.head() });
  const transfers = tokenTransfers({ ...base, lots: lots.known, moved: lots.moved });
  const scanner = createDepositScanner({
    ...base,
    escrow,
    confirmations: cfg.confirmations,
    startBlock: cfg.startBlock ?? (embedded ? 0n : undefined),
    alsoScan: [transfers],
  });
  const funds = createChainFunds({ ...base, scanner, headCacheMs: cfg.headCacheMs });
  const settlement = createSettlement({
    ...base,
    client: rpc.client,
    account,
    pollMs: 100,
    receiptTimeoutMs: cfg.receiptTimeoutMs,
  });
  const parts = { ...base, lots, scanner, settlement, linkDeps, embedded, chainId, escrow };
  ctx.provide("funds", funds);
  ctx.provide("chain", chainService({ ...parts, firstUrl: connection.urls[0] }));
  mountLinkPage(ctx.http, () => linkDeps, () => ({
    escrow,
    chainId,
    confirmations: cfg.confirmations,
    hostHandle: `@${cfg.hostHandle.replace(/^@/, "")}`,
  }), cfg.linkRateLimit);
  ctx.page("link page", "/link");

  const stopHandlers = listenInOrder(parts);
  const stopPolling = startPollLoop({ ...parts, pollMs: cfg.pollMs });
  const unwatch = watchChain(ctx, parts);
  return async () => {
    const polling = stopPolling(); // nothing new starts from here
    settlement.stop();
    await polling; // the storage closes after this teardown
    unwatch.forEach((off) => off());
    await stopHandlers();
    await embedded?.node.stop("SIGTERM"); // anvil writes its state on the way out
  };
}
