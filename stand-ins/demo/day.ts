/**
 * The demo's compressed campaign day, repeating: pre-auction (`preMinutes`), the auction
 * (`auctionMinutes`, where the simulator's snipe makes an extension), post-auction until the lot
 * is settled on chain and `postMinutes` have passed; each phase announced once as
 * `campaign.phase`. Lots are `demo-<n>`, one per token still in custody. `step()` looks at where
 * the day stands and does what is due: safe to call at any time. The bus handlers feed
 * `closedAt` and `settled` (the state passed in).
 */
import { parseEther } from "viem";
import type { Bus } from "../../core/bus.ts";
import { type Clock, nyString, TIME_ZONE } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";
import type { ServiceOf } from "../../core/plugin.ts";
import type { AuctionSnapshot } from "../../plugins/auction/mod.ts";

export interface DayConfig {
  reserve: string;
  preMinutes: number;
  auctionMinutes: number;
  postMinutes: number;
  extensionWindowSeconds: number;
  extensionSeconds: number;
  maxExtensionMinutes: number;
}

export interface DayState {
  /** When each lot closed (`auction.closed`), by auction id. */
  closedAt: Map<string, Temporal.Instant>;
  /** Lots whose settlement is over. */
  settled: Set<string>;
}

export const isDemoLot = (id: unknown): id is string =>
  typeof id === "string" && /^demo-\d+$/.test(id);

export function demoDay(o: {
  bus: Bus;
  clock: Clock;
  log: Log;
  auctions: ServiceOf<"auctions">;
  chain: ServiceOf<"chain">;
  embedded: NonNullable<ServiceOf<"chain">["embedded"]>;
  config: DayConfig;
  state: DayState;
}): () => Promise<void> {
  const { clock, config, state, chain } = o;
  const lotNumber = (id: string) => Number(id.slice("demo-".length)) || 0;
  const lots = () =>
    o.auctions.list().filter((a) => isDemoLot(a.auctionId))
      .sort((a, b) => lotNumber(a.auctionId) - lotNumber(b.auctionId));
  let announced = "";
  let soldOut = false;
  const minutes = (m: number) => ({ seconds: Math.round(m * 60) });

  const phase = (
    lot: AuctionSnapshot,
    name: "pre-auction" | "auction" | "post-auction",
    startsAt: Temporal.Instant,
    endsAt: Temporal.Instant,
  ) => {
    const key = `${lot.auctionId}:${name}`;
    if (announced === key) return;
    announced = key;
    o.bus.emit("campaign.phase", {
      campaignId: "demo",
      day: startsAt.toZonedDateTimeISO(TIME_ZONE).toPlainDate().toString(),
      phase: name,
      auctionId: lot.auctionId,
      startsAt: nyString(startsAt),
      endsAt: nyString(endsAt),
    });
  };

  const scheduleLot = async (number: number) => {
    for (const tokenId of o.embedded.tokens) {
      const nft = { contract: o.embedded.nft, tokenId };
      if (!(await chain.checkCustody(nft)).ok) continue;
      const id = `demo-${number}`;
      // Whole seconds: what the database keeps is what the screen showed.
      const now = clock.instant().round({ smallestUnit: "second", roundingMode: "ceil" });
      const startsAt = now.add(minutes(config.preMinutes));
      const endsAt = startsAt.add(minutes(config.auctionMinutes));
      await chain.setLot(id, nft);
      const lot = await o.auctions.create({
        id,
        item: `Genesis #${tokenId}`,
        campaignId: null,
        startsAt,
        endsAt,
        maxEndsAt: endsAt.add(minutes(config.maxExtensionMinutes)),
        reserveWei: parseEther(config.reserve),
        minIncrementBps: 500,
        minIncrementWei: parseEther("0.01"),
        extensionWindowSeconds: config.extensionWindowSeconds,
        extensionSeconds: config.extensionSeconds,
        ingestGraceSeconds: 10,
      });
      o.log.debug("demo lot scheduled", { auctionId: id, tokenId });
      phase(lot, "pre-auction", now, startsAt);
      return;
    }
    if (!soldOut) o.log.warn("every demo token is sold: no more lots");
    soldOut = true;
  };

  /** Whether a closed lot's settlement is over (asked of the chain after a restart). */
  const isSettled = async (id: string) => {
    if (state.settled.has(id)) return true;
    const result = await chain.settle(id).catch(() => null);
    if (result === "failed") o.log.warn("demo lot settlement failed; the show goes on", { id });
    if (result === "settled" || result === "failed") state.settled.add(id);
    return state.settled.has(id);
  };

  return async () => {
    const lot = lots().at(-1);
    const now = clock.instant();
    const at = (iso: string) => Temporal.Instant.from(iso);
    if (lot?.status === "scheduled") return phase(lot, "pre-auction", now, at(lot.startsAt));
    if (lot?.status === "open" || lot?.status === "paused") {
      return phase(lot, "auction", at(lot.startsAt), at(lot.endsAt));
    }
    if (lot) {
      const closed = state.closedAt.get(lot.auctionId) ?? at(lot.endsAt);
      const postEnds = closed.add(minutes(config.postMinutes));
      phase(lot, "post-auction", closed, postEnds);
      if (Temporal.Instant.compare(now, postEnds) < 0) return;
      if (lot.status === "closed" && !(await isSettled(lot.auctionId))) return;
    }
    if (!soldOut) await scheduleLot(lotNumber(lot?.auctionId ?? "demo-0") + 1);
  };
}
