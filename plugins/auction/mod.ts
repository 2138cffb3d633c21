/**
 * auction: the rules engine of the show. It decides every `bid.submitted`
 * (accepted, or rejected with one of ten reasons), keeps auctions and bids in
 * Postgres, mirrors hot state to the state store, opens and closes auctions on
 * the clock and the tweet source's read-through watermark, runs campaigns as
 * daily sessions, and offers the `auctions` service (snapshots, admin overrides).
 */
import { definePlugin } from "../../core/plugin.ts";
import { type Auctions, auctionsService } from "./auctions_service.ts";
import { rehearseCommand, reportCommand } from "./cli.ts";
import { campaignBook } from "./campaign_book.ts";
import { auctionEvents } from "./events.ts";
import { mountAuctionJson } from "./json_routes.ts";
import { auctionConfig } from "./plugin_config.ts";
import { listenToInputs, queueHealth, startPluginRuntime } from "./plugin_runtime.ts";
import { auctionStore } from "./store.ts";
import { mountPublicPages, publicSettings } from "./public_pages.ts";
import { standbyPages } from "./standby_pages.ts";

export type { AdminBy, ChainGate } from "./auction_runtime.ts";
export type { AdminAction, AuctionRules } from "./rules.ts";
export type { AuctionSnapshot } from "./snapshot.ts";
export type { Auctions } from "./auctions_service.ts";
export type {
  BidderHistory as BidderReport,
  BidFilter,
  BidRow,
  CampaignPerformance,
  DailySummary,
} from "./reports.ts";
export type { EntryKind, Funds, FundsBook } from "./funds.ts";
export type {
  AuctionClosed,
  AuctionEvents,
  AuctionExtended,
  AuctionOpened,
  AuctionSettled,
  AuctionUpdated,
  BidAccepted,
  BidRejected,
  BidSubmitted,
  CampaignPhase,
  DepositReversed,
  Phase,
} from "./events.ts";
export { FundsUnavailableError } from "./funds.ts";
export { AdminError } from "./rules.ts";
export { CampaignError } from "./campaign_book.ts";
export type { CampaignInput, SavedCampaign } from "./campaign_book.ts";
// What other plugins build on: the bid grammar, the public pages' shell, the watermark's meaning.
export { HOW_TO_BID, normaliseText, type NotBid, OPENERS, readBid } from "./parse_bid.ts";
export {
  escapeHtml,
  ethText,
  nyText,
  PUBLIC_CSP,
  PUBLIC_CSS,
  publicHeaders,
  publicPage,
} from "./public_shell.ts";
export { DEFAULT_INGEST_LAG_MS, readThroughAt } from "./read_through.ts";
export { formatEth, REASONS } from "./rules.ts";
export { readable } from "./proxy.ts";
export { type Campaign, campaignSessions } from "./campaigns.ts";
export { auctionConfig, auctionEvents };

declare module "../../core/plugin.ts" {
  interface Services {
    auctions: Auctions;
  }
}

export default definePlugin({
  name: "auction",
  config: auctionConfig,
  events: auctionEvents,
  emits: [
    "auction.updated",
    "auction.opened",
    "auction.blocked",
    "auction.closed",
    "auction.extended",
    "bid.accepted",
    "bid.max-set",
    "bid.rejected",
    "campaign.phase",
  ],
  listens: [
    "bid.submitted",
    "tweets.read-through",
    "deposit.reversed",
    "auction.settled",
    "auction.updated",
    "auction.closed",
    "bid.accepted",
    "bid.max-set",
    "bid.rejected",
    "engine.started",
  ],
  // The chain (or the funds book) provides these to the auction's terms.
  defines: ["funds", "funds-book"],
  provides: ["auctions"],
  needs: ["funds", "chain?"],
  commands: { rehearse: rehearseCommand, report: reportCommand },
  migrations: new URL("./migrations/", import.meta.url),
  // On a standby engine: the same public pages, read from Postgres.
  standby: standbyPages,
  async setup(ctx) {
    const { bus, config } = ctx;
    // Shared Postgres: every decision and auction write checks this engine still leads.
    const store = auctionStore(ctx.db, ctx.lease.kind === "sole" ? undefined : ctx.lease.fence);
    const runtime = await startPluginRuntime(ctx, store);
    for (const rules of config.auctions) await runtime.create(rules);
    // The config's campaigns and those saved since (the panel), each run on the clock.
    const campaigns = campaignBook({
      db: ctx.db,
      bus,
      clock: ctx.clock,
      log: ctx.log,
      runtime,
      fromConfig: config.campaigns,
    });
    await campaigns.start();

    const offs = listenToInputs(bus, runtime);
    ctx.provide("auctions", auctionsService(ctx.db, runtime, campaigns));
    mountAuctionJson(ctx.http, runtime, store);

    const stopPublic = mountPublicPages(ctx.http, {
      bus,
      db: ctx.db,
      list: runtime.list,
      get: runtime.get,
      receipts: (id, after, limit) => store.receipts(id, after, limit),
      ...publicSettings(config.public),
    });

    ctx.health("queue", queueHealth(runtime));

    return async () => {
      offs.forEach((off) => off());
      stopPublic();
      campaigns.stop();
      await runtime.idle();
      runtime.stop();
    };
  },
});
