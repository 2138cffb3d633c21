/**
 * What the show knows between events: the auction version, the campaign and
 * past results read from the records, each lot's recent bids and result; and
 * the fact sheet built from them and the auction's state of now. Invariants:
 * the version only grows (each decision event bumps it before anything reacts);
 * a failed read of the records is logged and keeps what was known; nothing
 * here changes the auction (it only reads the `auctions` service).
 */
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { AuctionClosed, Auctions, BidAccepted } from "../auction/mod.ts";
import {
  buildFacts,
  type CampaignFacts,
  currentLot,
  type FactSheet,
  type LotFacts,
  type PastResult,
  type RecentBid,
} from "./facts.ts";
import { campaignFacts, pastResults } from "./memory.ts";

export interface ShowState {
  facts(focus?: string | null): FactSheet;
  version(): number;
  bump(): void;
  campaignId(): string | null;
  noteBid(p: BidAccepted): void;
  noteResult(p: AuctionClosed): void;
  /** Re-reads past results and the campaign (of `auctionId`, else the lot on the block). */
  refresh(auctionId?: string): Promise<void>;
}

export async function showState(d: {
  clock: Clock;
  db: Db;
  log: Log;
  auctions: Auctions;
  hostHandle: string;
}): Promise<ShowState> {
  let version = 0;
  let campaign: CampaignFacts | null = null;
  let past: PastResult[] = [];
  const bids = new Map<string, RecentBid[]>();
  const results = new Map<string, { winner: LotFacts["winner"]; runnerUp: LotFacts["runnerUp"] }>();

  const refresh = async (auctionId?: string) => {
    try {
      past = await pastResults(d.db);
      const id = auctionId ?? currentLot(d.auctions.list())?.auctionId;
      campaign = id ? await campaignFacts(d.db, id, d.clock.instant()) : null;
      if (id && !bids.has(id)) {
        const rows = await d.auctions.bids({ auctionId: id, reason: "accepted", limit: 50 });
        bids.set(
          id,
          rows.reverse().filter((r) => r.amountWei !== null).map((r) => ({
            handle: r.handle,
            amountWei: r.amountWei!,
            at: Temporal.Instant.from(r.decidedAt),
          })),
        );
      }
    } catch (error) {
      d.log.warn("could not read the host's records", { error });
    }
  };
  await refresh();

  return {
    facts(focus) {
      const list = d.auctions.list();
      const lot = (focus ? list.find((a) => a.auctionId === focus) : undefined) ??
        currentLot(list);
      return buildFacts({
        focus: lot?.auctionId,
        version,
        now: d.clock.instant(),
        hostHandle: d.hostHandle,
        auctions: list,
        campaign,
        recentBids: lot ? bids.get(lot.auctionId) ?? [] : [],
        past,
        results,
      });
    },
    version: () => version,
    bump: () => void version++,
    campaignId: () => campaign?.id ?? null,
    noteBid(p) {
      const list = bids.get(p.auctionId) ?? [];
      list.push({ handle: p.handle, amountWei: p.amountWei, at: Temporal.Instant.from(p.at) });
      bids.set(p.auctionId, list.slice(-50));
    },
    noteResult(p) {
      results.set(p.auctionId, {
        winner: p.winner && { handle: p.winner.handle, amountWei: p.winner.amountWei },
        runnerUp: p.runnerUp && { handle: p.runnerUp.handle, amountWei: p.runnerUp.amountWei },
      });
    },
    refresh,
  };
}
