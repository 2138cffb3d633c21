/**
 * auction: the rules engine of the show. It decides every `bid.submitted`
 * (accepted, or rejected with one of ten reasons), keeps auctions and bids in
 * Postgres, mirrors hot state to the state store, opens and closes auctions on
 * the clock and the tweet source's read-through watermark, runs campaigns as
 * daily sessions, and offers the `auctions` service (snapshots, admin overrides).
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { amountSchema, auctionSchema } from "./auction_config.ts";
import { rehearseCommand, reportCommand } from "./cli.ts";
import { campaignSchema } from "./campaigns.ts";
import {
  campaignBook,
  type CampaignInput,
  type Checked,
  type SavedCampaign,
} from "./campaign_book.ts";
import {
  type AdminBy,
  type AuctionRuntime,
  type ChainGate,
  startAuctionRuntime,
} from "./auction_runtime.ts";
import { auctionEvents } from "./events.ts";
import type { AdminAction, AuctionRules } from "./rules.ts";
import {
  type BidderHistory as BidderReport,
  bidderHistory,
  type BidFilter,
  type BidRow,
  type CampaignPerformance,
  campaignPerformance,
  type DailySummary,
  dailySummary,
  ledgerCsv,
  listBids,
} from "./reports.ts";
import { type AuctionSnapshot, toJson } from "./snapshot.ts";
import { auctionStore, NUMERIC_78_MAX } from "./store.ts";
import { mountPublicPages } from "./public_pages.ts";

export type { AdminAction, AdminBy, AuctionRules, AuctionSnapshot, BidFilter, BidRow };
export type { BidderReport, CampaignPerformance, DailySummary };
export type { EntryKind, Funds, FundsBook } from "./funds.ts";
export type { ChainGate };
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
export type { CampaignInput, SavedCampaign };

/** The `auctions` service: read snapshots, create auctions, admin overrides (audited). */
export interface Auctions {
  list(): AuctionSnapshot[];
  get(id: string): AuctionSnapshot | null;
  create(rules: AuctionRules): Promise<AuctionSnapshot>;
  /** pause, resume, extend, cancel, void, close, reschedule: recorded with who, when, why, before, after. */
  admin(auctionId: string | null, action: AdminAction, by: AdminBy): Promise<AuctionSnapshot>;
  /** What `admin` would change (before and after), changing nothing; AdminError when refused. */
  previewAdmin(
    auctionId: string | null,
    action: AdminAction,
  ): Promise<{ before: AuctionSnapshot; after: AuctionSnapshot }>;
  /** Decided bids, newest first. */
  bids(filter: BidFilter): Promise<BidRow[]>;
  /** Auctions due to open but held scheduled (custody of the lot failed), with why. */
  blocked(): Record<string, string>;
  /** Resolves when every queued decision has been made (rehearsals, tests). */
  idle(): Promise<void>;
  /**
   * The financial reports (private: the admin panel serves them behind its sign-in; the
   * engine serves them to nobody else). Null: no such auction.
   */
  /** Campaigns: the config's and those saved since; `save` runs one at once (CampaignError). */
  campaigns: {
    list(): Promise<CampaignInput[]>;
    check(raw: unknown): Checked;
    save(raw: unknown): Promise<SavedCampaign>;
  };
  reports: {
    daily(auctionId: string): Promise<DailySummary | null>;
    campaign(campaignId: string): Promise<CampaignPerformance>;
    bidder(handle: string): Promise<BidderReport>;
    ledgerCsv(range: { from?: Temporal.Instant; to?: Temporal.Instant }): Promise<string>;
  };
}

declare module "../../core/plugin.ts" {
  interface Services {
    auctions: Auctions;
  }
}

export const auctionConfig = z.object({
  /**
   * What confirms that no more tweets before a time can arrive: "tweets" waits for the
   * tweet source's `tweets.read-through`; "clock" (no tweet source, e.g. a demo) lets the
   * clock stand in, closing at end + ingestGraceSeconds.
   */
  watermark: z.enum(["tweets", "clock"]).default("tweets"),
  auctions: z.array(auctionSchema).default([]),
  campaigns: z.array(campaignSchema).default([]),
  rateLimit: z.object({
    bids: z.number().int().positive().default(10),
    perSeconds: z.number().int().positive().default(60),
  }).default({ bids: 10, perSeconds: 60 }),
  /**
   * The most a bid (or a maximum) may be, `"<decimal> ETH"` or wei; above it a bid is
   * `malformed`. Bounds what any tweet can put into the `numeric(78, 0)` columns.
   */
  maxBid: amountSchema.refine((v) => v > 0n && v <= NUMERIC_78_MAX, "between 1 wei and 10^78 − 1")
    .default(10_000n * 10n ** 18n),
  /** How long a bid waits for the funds provider before it is rejected. */
  fundsWaitSeconds: z.number().positive().default(120),
  fundsRetrySeconds: z.number().positive().default(5),
  /**
   * Most decisions of one batch (tweets that arrived together) committed in one
   * transaction. 1 (the default): every decision is its own transaction. More: a burst
   * shares one commit — far higher throughput, same guarantee that nothing is announced
   * before it is durable; a crash keeps or loses the group whole.
   */
  commitGroup: z.number().int().min(1).max(1000).default(1),
  /** How often an auction held back by failed custody is checked again (with `chain`). */
  custodyRecheckSeconds: z.number().positive().default(30),
  /** The public pages (`/`, `/auctions/:id`): what they tell a bidder to tweet, and where to link. */
  public: z.object({
    /** The host's X handle (X_HOST_HANDLE), as the bid tweets name it. */
    hostHandle: z.string().regex(/^@?\w{1,15}$/, "an X handle").default("SothebAIs"),
    /** The link page; default `/link` on this engine. */
    linkUrl: z.string().url().optional(),
    /** Most live listeners (`/auction/live`) at once; more are told to come back. */
    maxListeners: z.number().int().min(1).max(100_000).default(2000),
  }).default({ hostHandle: "SothebAIs", maxListeners: 2000 }),
});

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
    "bid.rejected",
    "engine.started",
  ],
  // The chain (or the funds book) provides these to the auction's terms.
  defines: ["funds", "funds-book"],
  provides: ["auctions"],
  needs: ["funds", "chain?"],
  commands: { rehearse: rehearseCommand, report: reportCommand },
  migrations: new URL("./migrations/", import.meta.url),
  async setup(ctx) {
    const { bus, config } = ctx;
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
      chain: () => ctx.use("chain") as ChainGate | undefined,
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
      bus.on("bid.submitted", (e) => runtime.submit(e.payload)),
      bus.on("tweets.read-through", (e) => {
        runtime.readThrough(Temporal.Instant.from(e.payload.until));
      }),
      bus.on("deposit.reversed", (e) => {
        void runtime.depositReversed(e.payload.address, e.payload.xUserId);
      }),
      bus.on("auction.settled", (e) => {
        runtime.settle(e.payload.auctionId);
      }),
      // Once every plugin listens: where each auction stands, and closings not yet settled.
      // Decisions committed and not told before a crash are told again first (idempotent).
      bus.on("engine.started", () => runtime.resume()),
    ];

    ctx.provide("auctions", {
      list: runtime.list,
      get: runtime.get,
      create: runtime.create,
      admin: runtime.admin,
      previewAdmin: runtime.previewAdmin,
      bids: (filter) => listBids(ctx.db, filter),
      blocked: runtime.blocked,
      idle: runtime.idle,
      campaigns: { list: campaigns.list, check: campaigns.check, save: campaigns.save },
      reports: {
        daily: (id) => dailySummary(ctx.db, id),
        campaign: (id) => campaignPerformance(ctx.db, id),
        bidder: (handle) => bidderHistory(ctx.db, handle),
        ledgerCsv: (range) => ledgerCsv(ctx.db, range),
      },
    });
    // Read-only public JSON: what the stream shows (the reports are the panel's, behind sign-in).
    const json = (body: unknown, status = 200) =>
      new Response(toJson(body), { status, headers: { "content-type": "application/json" } });
    const http = ctx.http;
    // `blocked`: why an auction due to open is held scheduled (null when it is not).
    const withBlocked = (snap: AuctionSnapshot) => ({
      ...snap,
      blocked: runtime.blocked()[snap.auctionId] ?? null,
    });
    http.get("/auction/auctions", () => json(runtime.list().map(withBlocked)));
    http.get("/auction/auctions/:id", (c) => {
      const snap = runtime.get(c.req.param("id"));
      return snap ? json(withBlocked(snap)) : json({ error: "no such auction" }, 404);
    });
    // Public receipts: every decision of an auction, as anyone may check it (no maximum, no text).
    http.get("/auctions/:id/bids", async (c) => {
      const id = c.req.param("id");
      if (!runtime.get(id)) return json({ error: "no such auction" }, 404);
      const after = Number(c.req.query("after") ?? 0);
      const limit = Number(c.req.query("limit") ?? 500);
      if (!Number.isSafeInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1) {
        return json({ error: "after: a row number ≥ 0; limit: 1 to 1000" }, 400);
      }
      const bids = await store.receipts(id, after, Math.min(limit, 1000));
      return json({ auctionId: id, bids, next: bids.length ? bids.at(-1)!.seq : null });
    });

    let clientJs: Promise<string> | null = null;
    const stopPublic = mountPublicPages(http, {
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
