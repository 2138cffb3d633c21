/**
 * Campaigns: a run of days, each with one auction in a daily window in New
 * York time. A day has three phases: pre-auction (00:00 → start), auction
 * (start → the auction's close, extensions included) and post-auction
 * (close → the next day's 00:00). Times are computed with Temporal in
 * America/New_York, so days of 23 or 25 hours (DST switches) come out right;
 * a window time that does not exist that day (02:30 in March) moves forward
 * (Temporal's "compatible"), an ambiguous one (01:30 in November) takes the earlier.
 */
import { z } from "zod";
import type { Bus } from "../../core/bus.ts";
import type { Cancel, Clock } from "../../core/clock.ts";
import { nyString, TIME_ZONE } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";
import { amountSchema } from "./auction_config.ts";
import type { AuctionRuntime } from "./auction_runtime.ts";
import type {} from "./events.ts"; // the types of the events listened to
import type { AuctionRules } from "./rules.ts";

const date = z.string().transform((s, ctx) => {
  try {
    return Temporal.PlainDate.from(s);
  } catch {
    ctx.addIssue({ code: "custom", message: `"${s}" is not a date (YYYY-MM-DD)` });
    return z.NEVER;
  }
});
const time = z.string().transform((s, ctx) => {
  try {
    return Temporal.PlainTime.from(s);
  } catch {
    ctx.addIssue({ code: "custom", message: `"${s}" is not a time (HH:MM)` });
    return z.NEVER;
  }
});

const rulesFields = {
  minIncrementBps: z.number().int().min(0).max(10_000).optional(),
  minIncrement: amountSchema.optional(),
  extensionWindowSeconds: z.number().int().nonnegative().optional(),
  extensionSeconds: z.number().int().nonnegative().optional(),
  ingestGraceSeconds: z.number().int().nonnegative().optional(),
  /** How far past the window's end extensions may go. */
  maxExtensionMinutes: z.number().int().nonnegative().optional(),
};

export const campaignSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
  name: z.string().min(1),
  project: z.string().min(1),
  collection: z.string().min(1),
  startDate: date,
  endDate: date,
  /** The daily auction window, New York wall-clock times. */
  window: z.object({ start: time, end: time }),
  rules: z.object(rulesFields).default({}),
  /** One item a day, in order; the campaign ends early when they run out. */
  items: z.array(z.object({ item: z.string().min(1), reserve: amountSchema, ...rulesFields }))
    .min(1),
}).superRefine((c, ctx) => {
  if (Temporal.PlainDate.compare(c.startDate, c.endDate) > 0) {
    ctx.addIssue({ code: "custom", path: ["endDate"], message: "must not be before startDate" });
  }
  if (Temporal.PlainTime.compare(c.window.start, c.window.end) >= 0) {
    ctx.addIssue({ code: "custom", path: ["window", "end"], message: "must be after start" });
  }
});

export type Campaign = z.output<typeof campaignSchema>;

export interface Session {
  campaignId: string;
  day: Temporal.PlainDate;
  dayStart: Temporal.Instant;
  nextDayStart: Temporal.Instant;
  auction: AuctionRules;
}

/** The campaign's days, each with its auction's rules. */
export function campaignSessions(c: Campaign): Session[] {
  const sessions: Session[] = [];
  let day = c.startDate;
  for (let i = 0; i < c.items.length && Temporal.PlainDate.compare(day, c.endDate) <= 0; i++) {
    const item = c.items[i];
    const r = {
      ...c.rules,
      ...Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)),
    };
    const at = (t: Temporal.PlainTime) =>
      day.toZonedDateTime({ timeZone: TIME_ZONE, plainTime: t }).toInstant();
    const startsAt = at(c.window.start);
    const endsAt = at(c.window.end);
    sessions.push({
      campaignId: c.id,
      day,
      dayStart: day.toZonedDateTime(TIME_ZONE).toInstant(),
      nextDayStart: day.add({ days: 1 }).toZonedDateTime(TIME_ZONE).toInstant(),
      auction: {
        id: `${c.id}-${day.toString()}`,
        item: item.item,
        campaignId: c.id,
        startsAt,
        endsAt,
        maxEndsAt: endsAt.add({ minutes: r.maxExtensionMinutes ?? 60 }),
        reserveWei: item.reserve,
        minIncrementBps: r.minIncrementBps ?? 500,
        minIncrementWei: r.minIncrement ?? 10_000_000_000_000_000n,
        extensionWindowSeconds: r.extensionWindowSeconds ?? 300,
        extensionSeconds: r.extensionSeconds ?? 300,
        ingestGraceSeconds: r.ingestGraceSeconds ?? 60,
      },
    });
    day = day.add({ days: 1 });
  }
  return sessions;
}

export type Phase = "pre-auction" | "auction" | "post-auction";

/**
 * Creates each session's auction and puts phase changes on the bus: pre-auction at
 * 00:00, auction at the start, post-auction when the auction closes (or is cancelled).
 * On start mid-day, the current phase is announced at once.
 */
export async function runCampaigns(o: {
  bus: Bus;
  clock: Clock;
  log: Log;
  runtime: AuctionRuntime;
  campaigns: Campaign[];
}): Promise<Cancel> {
  const { bus, clock, runtime } = o;
  const cancels: Cancel[] = [];
  const cmp = Temporal.Instant.compare;
  const bySession = new Map<string, Session>();
  const emit = (
    s: Session,
    phase: Phase,
    startsAt: Temporal.Instant,
    endsAt: Temporal.Instant,
    at?: string,
  ) =>
    bus.emit("campaign.phase", {
      campaignId: s.campaignId,
      day: s.day.toString(),
      phase,
      auctionId: s.auction.id,
      startsAt: nyString(startsAt),
      endsAt: nyString(endsAt),
    }, at ? Temporal.Instant.from(at) : undefined);

  for (const c of o.campaigns) {
    for (const s of campaignSessions(c)) {
      if (cmp(s.nextDayStart, clock.instant()) <= 0) continue; // a past day
      const snap = await runtime.create(s.auction);
      bySession.set(s.auction.id, s);
      const now = clock.instant();
      const ended = snap.status === "closed" || snap.status === "cancelled";
      if (cmp(now, s.auction.startsAt) < 0) {
        cancels.push(
          clock.at(s.dayStart, () => emit(s, "pre-auction", s.dayStart, s.auction.startsAt)),
        );
      }
      if (!ended) {
        cancels.push(
          clock.at(s.auction.startsAt, () => {
            const live = runtime.get(s.auction.id);
            emit(
              s,
              "auction",
              s.auction.startsAt,
              Temporal.Instant.from(live?.endsAt ?? snap.endsAt),
            );
          }),
        );
      } else {
        emit(s, "post-auction", now, s.nextDayStart);
      }
    }
  }
  const offs = (["auction.closed", "auction.updated"] as const).map((type) =>
    bus.on(type, (e) => {
      const p: { auctionId: string; status?: string } = e.payload;
      if (type === "auction.updated" && p.status !== "cancelled") return;
      const s = bySession.get(p.auctionId);
      if (!s) return;
      bySession.delete(p.auctionId);
      emit(s, "post-auction", Temporal.Instant.from(e.at), s.nextDayStart, e.at);
    })
  );
  return () => {
    cancels.forEach((c) => c());
    offs.forEach((off) => off());
  };
}
