/**
 * The public pages on a standby engine (another engine leads): `/`, `/auctions/:id`, their
 * JSON and live updates, served by the same code as the leader's (`public_pages.ts`,
 * `json_routes.ts`) from what Postgres holds. Nothing here decides or writes: a poll
 * (`refreshMs`) reads whether an auction or the bid log changed (one cheap query), and only
 * then the market and the new receipts, which it tells the live listeners through a bus of
 * its own (no other plugin runs on a standby). Pages are at most one poll behind the leader.
 * Why an auction is blocked lives in the leader's memory: a standby says none.
 */
import { createBus } from "../../core/bus.ts";
import type { StandbyContext } from "../../core/plugin.ts";
import type { AuctionRuntime } from "./auction_runtime.ts";
import { mountAuctionJson } from "./json_routes.ts";
import type { auctionConfig } from "./plugin_config.ts";
import { mountPublicPages, publicSettings } from "./public_pages.ts";
import { type AuctionSnapshot, snapshot, toJson } from "./snapshot.ts";
import { auctionStore, type Receipt } from "./store.ts";
import type { z } from "zod";

const RECEIPTS_A_POLL = 500;

let clientJs: Promise<string> | null = null;
const publicClientJs = () =>
  clientJs ??= Deno.readTextFile(new URL("./public_client.js", import.meta.url));

export function standbyPages(
  ctx: StandbyContext<z.output<typeof auctionConfig>>,
  refreshMs = 1000,
) {
  const { config, db, clock, log } = ctx;
  const store = auctionStore(db);
  const bus = createBus(clock, log.child("standby-bus"));
  let snaps = new Map<string, AuctionSnapshot>();
  let seen = { auctions: "", seq: -1 };

  const tell = (r: Receipt, auctionId: string) => {
    // The fields the live pages read of a decision (live_feed.ts liveDecision).
    const p = { auctionId, tweetId: r.tweetId, handle: r.handle, at: r.tweetAt };
    if (r.decision === "accepted" && r.amountWei === null && r.action?.endsWith("max")) {
      bus.emit("bid.max-set", { ...p, cancelled: r.action === "cancel-max" } as never);
    } else if (r.decision === "accepted") {
      bus.emit("bid.accepted", {
        ...p,
        amountWei: r.amountWei,
        proxy: r.proxy,
        causedBy: r.causedBy,
        max: r.action === "max",
      } as never);
    } else if (r.decision === "rejected") {
      bus.emit("bid.rejected", { ...p, reason: r.reason, message: r.message } as never);
    }
  };

  const refresh = async () => {
    const [mark] = await db.query<{ auctions: Date | null; seq: string | null }>(
      `select (select max(updated_at) from auction_auctions) as auctions,
              (select max(seq) from auction_bids) as seq`,
    );
    const now = { auctions: mark.auctions?.toISOString() ?? "", seq: Number(mark.seq ?? 0) };
    if (now.auctions === seen.auctions && now.seq === seen.seq) return;
    const market = await store.loadMarket(
      { rateLimit: config.rateLimit, maxBidWei: config.maxBid },
      clock.instant(),
    );
    const next = new Map(
      Object.values(market.auctions).map((s) => [s.rules.id, snapshot(s)] as const),
    );
    const first = seen.seq < 0;
    for (const [id, snap] of next) {
      if (!first && now.seq > seen.seq) {
        for (const r of await store.receipts(id, seen.seq, RECEIPTS_A_POLL)) tell(r, id);
      }
      const before = snaps.get(id);
      if (!first && (!before || toJson(before) !== toJson(snap))) {
        bus.emit("auction.updated", snap);
      }
    }
    snaps = next;
    seen = now;
  };

  let polling: Promise<void> = Promise.resolve();
  let failing = false;
  const poll = () => {
    polling = refresh().then(() => void (failing = false), (error) => {
      // Until the leader has migrated (or while Postgres is away) the pages show what they had.
      if (!failing) log.warn("standby pages could not read the auctions", { error });
      failing = true;
    });
  };
  poll();
  const timer = setInterval(() => void polling.then(poll), refreshMs);

  const list = () => [...snaps.values()];
  const get = (id: string) => snaps.get(id) ?? null;
  const view = { list, get, blocked: () => ({}) } as unknown as AuctionRuntime;
  mountAuctionJson(ctx.http, view, store);
  const stopPublic = mountPublicPages(ctx.http, {
    bus,
    db,
    list,
    get,
    receipts: (id, after, limit) => store.receipts(id, after, limit),
    ...publicSettings(config.public),
  }, publicClientJs);

  return async () => {
    clearInterval(timer);
    stopPublic();
    await polling;
  };
}
