/**
 * The `lot-facts` widget: a line of a scene whose facts come from the auction
 * (`auction.updated`), never from the scene's text. A scene item gives a
 * template (`props.template`) with placeholders — {item}, {duration},
 * {reserve}, {starts}, {ends}, {extensionWindow}, {extensionBy}, {next},
 * {nextStarts} — and `props.fallback` for when a fact is unknown (then nothing
 * false is drawn: a template with an unknown fact shows the fallback, or nothing).
 */
import { z } from "zod";
import { TIME_ZONE } from "../../core/clock.ts";
import { defineWidget, fitText, formatEth, theme } from "../compositor/mod.ts";
import type { AuctionUpdated } from "../auction/mod.ts";

/** 3600 → "1 hour", 600 → "10 minutes", 90 → "90 seconds", 5400 → "1 hour 30 minutes". */
export function spanText(seconds: number): string {
  const p = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (seconds >= 3600) {
    const h = Math.floor(seconds / 3600);
    const m = Math.round((seconds % 3600) / 60);
    return m ? `${p(h, "hour")} ${p(m, "minute")}` : p(h, "hour");
  }
  return seconds % 60 === 0 ? p(seconds / 60, "minute") : p(seconds, "second");
}

const clockText = (iso: string) => {
  const z = Temporal.Instant.from(iso).toZonedDateTimeISO(TIME_ZONE);
  const h = z.hour % 12 === 0 ? 12 : z.hour % 12;
  return `${h}:${String(z.minute).padStart(2, "0")} ${z.hour < 12 ? "am" : "pm"}`;
};

export type LotFactsState = Map<string, AuctionUpdated>;

/** The auction the scene is about (open, else the next scheduled, else the last seen) and the one after. */
export function lotFacts(auctions: LotFactsState): Record<string, string | undefined> {
  const list = [...auctions.values()];
  const byStart = (a: AuctionUpdated, b: AuctionUpdated) =>
    Temporal.Instant.compare(Temporal.Instant.from(a.startsAt), Temporal.Instant.from(b.startsAt));
  const scheduled = list.filter((a) => a.status === "scheduled").sort(byStart);
  const lot = list.find((a) => a.status === "open" || a.status === "paused") ?? scheduled[0] ??
    list.sort(byStart).at(-1);
  const next = scheduled.find((a) => a !== lot);
  if (!lot) return {};
  const seconds = Temporal.Instant.from(lot.endsAt).since(Temporal.Instant.from(lot.startsAt))
    .total("seconds");
  return {
    item: lot.item,
    duration: spanText(Math.round(seconds)),
    reserve: formatEth(lot.reserveWei),
    starts: clockText(lot.startsAt),
    ends: clockText(lot.endsAt),
    extensionWindow: lot.extensionWindowSeconds ? spanText(lot.extensionWindowSeconds) : undefined,
    extensionBy: lot.extensionSeconds ? spanText(lot.extensionSeconds) : undefined,
    next: next?.item,
    nextStarts: next ? clockText(next.startsAt) : undefined,
  };
}

/** The template filled from the facts; the fallback when a fact it names is unknown. */
export function lotFactsText(
  auctions: LotFactsState,
  config: { template: string; fallback: string },
): string {
  const f = lotFacts(auctions);
  let missing = false;
  const out = config.template.replace(/\{(\w+)\}/g, (_m, key: string) => {
    const v = f[key];
    if (v === undefined) missing = true;
    return v ?? "";
  });
  return missing ? config.fallback : out;
}

export const lotFactsWidget = defineWidget({
  kind: "lot-facts",
  config: z.object({
    template: z.string().max(300).default(""),
    fallback: z.string().max(300).default(""),
    size: z.number().min(1).max(400).default(24),
    weight: z.number().int().min(100).max(900).default(600),
    color: z.string().max(40).default(theme.ink),
  }),
  state: {
    init: (): LotFactsState => new Map(),
    on: {
      "auction.updated": (auctions, e) => void auctions.set(e.payload.auctionId, e.payload),
    },
  },
  draw(g, box, auctions, { config }) {
    const text = lotFactsText(auctions, config);
    if (!text) return;
    g.fillStyle = config.color;
    g.textAlign = "left";
    g.textBaseline = "middle";
    fitText(
      g,
      text,
      box.x,
      box.y + box.height / 2,
      box.width,
      config.weight,
      config.size * box.scale,
    );
  },
});
