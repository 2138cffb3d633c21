/**
 * Zod schemas for auctions as operators write them (deno.json, rehearsal
 * scenarios, the admin panel): ISO times with offsets and amounts as
 * `"<decimal> ETH"` or wei strings, turned into exact `AuctionRules`.
 */
import { z } from "zod";
import { parseAmount } from "./parse_bid.ts";
import type { AuctionRules } from "./rules.ts";

export const instantSchema = z.string().transform((s, ctx) => {
  try {
    if (!/[zZ]|[+-]\d\d:\d\d$/.test(s)) throw new Error("no offset");
    // Milliseconds are the finest time kept (the database drivers return Date).
    return Temporal.Instant.from(s).round({ smallestUnit: "millisecond", roundingMode: "floor" });
  } catch {
    ctx.addIssue({ code: "custom", message: `"${s}" is not an ISO time with an offset` });
    return z.NEVER;
  }
});

export const amountSchema = z.union([z.string(), z.number().int().nonnegative()]).transform(
  (s, ctx) => {
    try {
      return parseAmount(String(s));
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  },
);

const seconds = z.number().int().nonnegative();

/** One auction; the defaults are the house rules. */
export const auctionSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
  item: z.string().min(1),
  campaignId: z.string().nullable().default(null),
  startsAt: instantSchema,
  endsAt: instantSchema,
  maxEndsAt: instantSchema.optional(),
  reserve: amountSchema,
  minIncrementBps: z.number().int().min(0).max(10_000).default(500),
  minIncrement: amountSchema.default(10_000_000_000_000_000n),
  extensionWindowSeconds: seconds.default(300),
  extensionSeconds: seconds.default(300),
  ingestGraceSeconds: seconds.default(60),
}).transform((a, ctx): AuctionRules => {
  const maxEndsAt = a.maxEndsAt ?? a.endsAt.add({ hours: 1 });
  if (Temporal.Instant.compare(a.startsAt, a.endsAt) >= 0) {
    ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must be after startsAt" });
  }
  if (Temporal.Instant.compare(a.endsAt, maxEndsAt) > 0) {
    ctx.addIssue({ code: "custom", path: ["maxEndsAt"], message: "must not be before endsAt" });
  }
  return {
    id: a.id,
    item: a.item,
    campaignId: a.campaignId,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    maxEndsAt,
    reserveWei: a.reserve,
    minIncrementBps: a.minIncrementBps,
    minIncrementWei: a.minIncrement,
    extensionWindowSeconds: a.extensionWindowSeconds,
    extensionSeconds: a.extensionSeconds,
    ingestGraceSeconds: a.ingestGraceSeconds,
  };
});

export type AuctionInput = z.input<typeof auctionSchema>;
