/**
 * The host's fact sheet: everything a line may state, built from the auction's
 * state and the database, never from a model's memory. Invariants: a sheet is
 * immutable once built; `version` is the auction version it was built at (a
 * sequence every decision bumps); amounts are bigint wei; times are instants
 * shown in America/New_York. The sheet is the only input a brain gets besides
 * the task, and the only truth the guard checks a line against.
 */
import { TIME_ZONE } from "../../core/clock.ts";
import type { AuctionSnapshot } from "../auction/mod.ts";

export interface PastResult {
  auctionId: string;
  item: string;
  /** The New York date of the close, YYYY-MM-DD. */
  date: string;
  winner: string | null;
  amountWei: bigint | null;
  runnerUp: string | null;
}

export interface CampaignFacts {
  id: string;
  name: string;
  project: string;
  collection: string;
  /** Day N of M, counted in New York dates from the campaign's start. */
  day: number;
  days: number;
  /** Tomorrow's item, when the campaign has one. */
  nextItem: string | null;
}

export interface LotFacts {
  auctionId: string;
  item: string;
  status: AuctionSnapshot["status"];
  startsAt: Temporal.Instant;
  endsAt: Temporal.Instant;
  reserveWei: bigint;
  priceWei: bigint | null;
  leader: { handle: string; amountWei: bigint } | null;
  minNextWei: bigint;
  bidCount: number;
  extensions: number;
  extensionWindowSeconds: number;
  extensionSeconds: number;
  /** Seconds to the end (open) or to the start (scheduled); 0 once closed. */
  secondsLeft: number;
  durationSeconds: number;
  winner: { handle: string; amountWei: bigint } | null;
  runnerUp: { handle: string; amountWei: bigint } | null;
}

export interface RecentBid {
  handle: string;
  amountWei: bigint;
  at: Temporal.Instant;
}

export interface FactSheet {
  version: number;
  now: Temporal.Instant;
  hostHandle: string;
  campaign: CampaignFacts | null;
  /** Today's lot: the open one, else the next scheduled, else the latest closed. */
  lot: LotFacts | null;
  /** Every other auction's name and times (a line may name any of them). */
  others: Array<
    { auctionId: string; item: string; startsAt: Temporal.Instant; status: LotFacts["status"] }
  >;
  recentBids: RecentBid[];
  past: PastResult[];
}

export interface FactInputs {
  version: number;
  now: Temporal.Instant;
  hostHandle: string;
  auctions: AuctionSnapshot[];
  campaign: CampaignFacts | null;
  /** Bids accepted in today's lot, oldest first (kept by the host from `bid.accepted`). */
  recentBids: RecentBid[];
  past: PastResult[];
  /** Closing results seen on the bus (winner and runner-up by auction). */
  results: Map<string, { winner: LotFacts["winner"]; runnerUp: LotFacts["runnerUp"] }>;
  /** The lot a line is about (a bid on the second of two open lots), else the current one. */
  focus?: string | null;
}

const instant = (s: string) => Temporal.Instant.from(s);
const cmp = Temporal.Instant.compare;

/** The lot the show is about now: open or paused, else the next to start, else the last to end. */
export function currentLot(auctions: AuctionSnapshot[]): AuctionSnapshot | null {
  const live = auctions.find((a) => a.status === "open" || a.status === "paused");
  if (live) return live;
  const next = auctions.filter((a) => a.status === "scheduled")
    .sort((a, b) => cmp(instant(a.startsAt), instant(b.startsAt)))[0];
  if (next) return next;
  return auctions.filter((a) => a.status === "closed")
    .sort((a, b) => cmp(instant(b.endsAt), instant(a.endsAt)))[0] ?? null;
}

export function buildFacts(i: FactInputs): FactSheet {
  const snap = (i.focus ? i.auctions.find((a) => a.auctionId === i.focus) : undefined) ??
    currentLot(i.auctions);
  const lot = snap ? lotFacts(snap, i) : null;
  const past = lot ? i.past.filter((p) => p.auctionId !== lot.auctionId) : i.past;
  return Object.freeze({
    version: i.version,
    now: i.now,
    hostHandle: i.hostHandle,
    campaign: i.campaign,
    lot,
    others: i.auctions.filter((a) => a.auctionId !== snap?.auctionId)
      .map((a) => ({
        auctionId: a.auctionId,
        item: a.item,
        startsAt: instant(a.startsAt),
        status: a.status,
      })),
    recentBids: lot ? i.recentBids.slice(-8) : [],
    past,
  });
}

function lotFacts(a: AuctionSnapshot, i: FactInputs): LotFacts {
  const startsAt = instant(a.startsAt);
  const endsAt = instant(a.endsAt);
  const target = a.status === "scheduled" ? startsAt : endsAt;
  const done = a.status === "closed" || a.status === "cancelled";
  const result = i.results.get(a.auctionId);
  return {
    auctionId: a.auctionId,
    item: a.item,
    status: a.status,
    startsAt,
    endsAt,
    reserveWei: a.reserveWei,
    priceWei: a.priceWei,
    leader: a.leader ? { handle: a.leader.handle, amountWei: a.leader.amountWei } : null,
    minNextWei: a.minNextWei,
    bidCount: a.bidCount,
    extensions: a.extensions,
    extensionWindowSeconds: a.extensionWindowSeconds,
    extensionSeconds: a.extensionSeconds,
    secondsLeft: done ? 0 : Math.max(0, Math.floor(target.since(i.now).total("seconds"))),
    durationSeconds: Math.round(endsAt.since(startsAt).total("seconds")),
    winner: a.status === "closed"
      ? result?.winner ??
        (a.leader ? { handle: a.leader.handle, amountWei: a.leader.amountWei } : null)
      : null,
    runnerUp: a.status === "closed" ? result?.runnerUp ?? null : null,
  };
}

/** The handles a line may name: the host, today's bidders, past winners and runners-up. */
export function knownHandles(f: FactSheet): Set<string> {
  const out = new Set<string>([f.hostHandle.toLowerCase()]);
  for (const b of f.recentBids) out.add(b.handle.toLowerCase());
  if (f.lot?.leader) out.add(f.lot.leader.handle.toLowerCase());
  if (f.lot?.winner) out.add(f.lot.winner.handle.toLowerCase());
  if (f.lot?.runnerUp) out.add(f.lot.runnerUp.handle.toLowerCase());
  for (const p of f.past) {
    if (p.winner) out.add(p.winner.toLowerCase());
    if (p.runnerUp) out.add(p.runnerUp.toLowerCase());
  }
  return out;
}

/** Every amount of this campaign a line may state. */
export function knownAmounts(f: FactSheet): Set<bigint> {
  const out = new Set<bigint>();
  const l = f.lot;
  if (l) {
    out.add(l.reserveWei).add(l.minNextWei);
    if (l.priceWei !== null) out.add(l.priceWei);
    if (l.winner) out.add(l.winner.amountWei);
    if (l.runnerUp) out.add(l.runnerUp.amountWei);
  }
  for (const b of f.recentBids) out.add(b.amountWei);
  for (const p of f.past) if (p.amountWei !== null) out.add(p.amountWei);
  return out;
}

/** Every item a line may name. */
export function knownItems(f: FactSheet): string[] {
  const items = [
    ...(f.lot ? [f.lot.item] : []),
    ...f.others.map((o) => o.item),
    ...f.past.map((p) => p.item),
    ...(f.campaign?.nextItem ? [f.campaign.nextItem] : []),
  ];
  return [...new Set(items)];
}

/** New York wall-clock "H:MM" of an instant (24 h and 12 h forms are both accepted by the guard). */
export function nyClock(t: Temporal.Instant): { h24: string; h12: string; suffix: "am" | "pm" } {
  const z = t.toZonedDateTimeISO(TIME_ZONE);
  const mm = String(z.minute).padStart(2, "0");
  const h12 = z.hour % 12 === 0 ? 12 : z.hour % 12;
  return { h24: `${z.hour}:${mm}`, h12: `${h12}:${mm}`, suffix: z.hour < 12 ? "am" : "pm" };
}

/** The sheet as the model reads it: plain JSON, amounts as "1.5 ETH", times in New York. */
export function factsForModel(f: FactSheet, formatEth: (wei: bigint) => string) {
  const t = (x: Temporal.Instant) => nyClock(x).h12 + " " + nyClock(x).suffix + " New York";
  const l = f.lot;
  return {
    version: f.version,
    now: t(f.now),
    host: f.hostHandle,
    campaign: f.campaign && {
      name: f.campaign.name,
      artist: f.campaign.project,
      collection: f.campaign.collection,
      day: `day ${f.campaign.day} of ${f.campaign.days}`,
      tomorrow: f.campaign.nextItem,
    },
    lot: l && {
      item: l.item,
      status: l.status,
      startsAt: t(l.startsAt),
      endsAt: t(l.endsAt),
      reserve: formatEth(l.reserveWei),
      currentBid: l.priceWei === null ? null : formatEth(l.priceWei),
      leader: l.leader?.handle ?? null,
      nextBidAtLeast: formatEth(l.minNextWei),
      bids: l.bidCount,
      minutesLeft: Math.floor(l.secondsLeft / 60),
      extension:
        `a bid in the last ${l.extensionWindowSeconds} seconds extends by ${l.extensionSeconds} seconds`,
      winner: l.winner && { handle: l.winner.handle, amount: formatEth(l.winner.amountWei) },
      runnerUp: l.runnerUp &&
        { handle: l.runnerUp.handle, amount: formatEth(l.runnerUp.amountWei) },
    },
    recentBids: f.recentBids.map((b) => `${b.handle} ${formatEth(b.amountWei)}`),
    pastDays: f.past.map((p) => ({
      date: p.date,
      item: p.item,
      winner: p.winner,
      price: p.amountWei === null ? null : formatEth(p.amountWei),
    })),
  };
}
