/**
 * The `auctions` service: read snapshots, create auctions, admin overrides
 * (audited), campaigns and the financial reports. A face over the runtime, the
 * campaign book and the report queries; it holds no state of its own.
 */
import type { Db } from "../../core/db.ts";
import type { AuctionRuntime } from "./auction_runtime.ts";
import type { CampaignInput, Checked, SavedCampaign } from "./campaign_book.ts";
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

/**
 * The `auctions` service: read snapshots, create auctions, admin overrides (audited: pause,
 * resume, extend, cancel, void, close, reschedule, with who, when, why, before, after), and
 * what `admin` would change (AdminError when refused) — as the runtime offers them.
 */
export interface Auctions extends
  Pick<
    AuctionRuntime,
    "list" | "get" | "create" | "admin" | "previewAdmin" | "blocked" | "idle"
  > {
  /** Decided bids, newest first. */
  bids(filter: BidFilter): Promise<BidRow[]>;
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

export function auctionsService(
  db: Db,
  runtime: AuctionRuntime,
  campaigns: Auctions["campaigns"],
): Auctions {
  return {
    list: runtime.list,
    get: runtime.get,
    create: runtime.create,
    admin: runtime.admin,
    previewAdmin: runtime.previewAdmin,
    bids: (filter) => listBids(db, filter),
    blocked: runtime.blocked,
    idle: runtime.idle,
    campaigns: { list: campaigns.list, check: campaigns.check, save: campaigns.save },
    reports: {
      daily: (id) => dailySummary(db, id),
      campaign: (id) => campaignPerformance(db, id),
      bidder: (handle) => bidderHistory(db, handle),
      ledgerCsv: (range) => ledgerCsv(db, range),
    },
  };
}
