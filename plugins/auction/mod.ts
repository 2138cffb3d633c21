/**
 * auction: the rules engine of the show. It decides every `bid.submitted`
 * (accepted, or rejected with one of ten reasons), keeps auctions and bids in
 * Postgres, mirrors hot state to the state store, opens and closes auctions on
 * the clock and the tweet source's read-through watermark, runs campaigns as
 * daily sessions, and offers the `auctions` service (snapshots, admin overrides).
 */
import { definePlugin } from "../../core/plugin.ts";
import { type AuctionRuntime, startAuctionRuntime, type Submitted } from "./auction_runtime.ts";
import { type Auctions, auctionsService } from "./auctions_service.ts";
import { campaignBook } from "./campaign_book.ts";
import { type AuctionEvents, auctionEvents } from "./events.ts";
import { mountAuctionJson } from "./json_routes.ts";
import { auctionConfig } from "./plugin_config.ts";
import { auctionStore } from "./store.ts";
import { mountPublicPages } from "./public_pages.ts";
// Types only: the `chain` service and `deposit.reversed` are declared by the chain plugin.
import type { ChainService } from "../chain/mod.ts";

export type { AdminBy } from "./auction_runtime.ts";
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
export type { Funds } from "./funds.ts";
export { FundsUnavailableError } from "./funds.ts";
export { AdminError } from "./rules.ts";
export { CampaignError } from "./campaign_book.ts";
export type { CampaignInput, SavedCampaign } from "./campaign_book.ts";
export { auctionConfig };

declare module "../../core/bus.ts" {
  interface Events extends AuctionEvents {}
}

declare module "../../core/plugin.ts" {
  interface Services {
    auctions: Auctions;
  }
}

export default definePlugin({
  name: "auction",
  config: auctionConfig,
  provides: ["auctions"],
  needs: ["funds", "chain?"],
  migrations: new URL("./migrations/", import.meta.url),
  async setup(ctx) {
    const { bus, config } = ctx;
    for (const [type, schema] of Object.entries(auctionEvents)) {
      bus.declare(type as keyof AuctionEvents, schema as never);
    }
    const latency = ctx.metrics.summary(
      "sothebais_auction_decision_seconds",
      "Time from a bid's receipt to its recorded decision",
    );
    // Shared Postgres: every decision and auction write checks this engine still leads.
    const store = auctionStore(ctx.db, ctx.lease.kind === "sole" ? undefined : ctx.lease.fence);
    const runtime: AuctionRuntime = await startAuctionRuntime({
      bus,
      clock: ctx.clock,
      log: ctx.log,
      state: ctx.state,
      store,
      funds: () => ctx.use("funds"),
      chain: () => ctx.use("chain") as ChainService | undefined,
      custodyRecheckSeconds: config.custodyRecheckSeconds,
      watermark: config.watermark,
      rateLimit: config.rateLimit,
      maxBidWei: config.maxBid,
      fundsWaitSeconds: config.fundsWaitSeconds,
      fundsRetrySeconds: config.fundsRetrySeconds,
      commitGroup: config.commitGroup,
      observe: (ms) => latency.observe(ms / 1000),
    });
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

    const offs = [
      bus.on("bid.submitted", (e) => runtime.submit(e.payload as Submitted)),
      bus.on("tweets.read-through", (e) => {
        const { until } = e.payload as { until: string };
        runtime.readThrough(Temporal.Instant.from(until));
      }),
      bus.on("deposit.reversed", (e) => {
        void runtime.depositReversed(e.payload.address, e.payload.xUserId);
      }),
      bus.on("auction.settled", (e) => {
        runtime.settle((e.payload as { auctionId: string }).auctionId);
      }),
      // Once every plugin listens: where each auction stands, and closings not yet settled.
      // Decisions committed and not told before a crash are told again first (idempotent).
      bus.on("engine.started", () => runtime.resume()),
    ];

    ctx.provide("auctions", auctionsService(ctx.db, runtime, campaigns));
    mountAuctionJson(ctx.http, runtime, store);

    let clientJs: Promise<string> | null = null;
    const stopPublic = mountPublicPages(ctx.http, {
      bus,
      db: ctx.db,
      list: runtime.list,
      get: runtime.get,
      receipts: (id, after, limit) => store.receipts(id, after, limit),
      hostHandle: `@${config.public.hostHandle.replace(/^@/, "")}`,
      linkUrl: config.public.linkUrl ?? "/link",
      maxListeners: config.public.maxListeners,
    }, () => (clientJs ??= Deno.readTextFile(new URL("./public_client.js", import.meta.url))));

    ctx.health("queue", async () => {
      const waiting = runtime.waiting();
      if (waiting) {
        return {
          ok: false,
          detail: `decisions wait for the database since ${waiting.since}: ${waiting.error}`,
        };
      }
      const t = performance.now();
      await runtime.idle();
      return { ok: true, drainMs: Math.round(performance.now() - t) };
    });

    return async () => {
      offs.forEach((off) => off());
      stopPublic();
      campaigns.stop();
      await runtime.idle();
      runtime.stop();
    };
  },
});
