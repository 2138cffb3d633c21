/**
 * The auctions the read planner follows, from `auction.updated` (the auction declares it): each
 * live or scheduled auction's end, extension window and grace; closed and cancelled ones are
 * forgotten. `now()` is the planner's phase now, `hot()` the hot phase now or next; a phase change calls `onChange` (a read may be
 * due sooner then). The only holder of that map.
 */
import { z } from "zod";
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import {
  type AuctionTimes,
  type HotSpan,
  hotSpan,
  nextPhaseChange,
  type Phase,
  phaseAt,
} from "./read_planner.ts";

/** What the read planner needs of `auction.updated`. */
const auctionTimesSchema = z.object({
  auctionId: z.string(),
  status: z.string(),
  endsAt: z.string().refine((v) => Number.isFinite(Date.parse(v))),
  extensionWindowSeconds: z.number().int().min(0).max(86_400).optional(),
  ingestGraceSeconds: z.number().min(0).max(86_400).optional(),
  maxEndsAt: z.string().refine((v) => Number.isFinite(Date.parse(v))).optional(),
  extensions: z.number().int().min(0).optional(),
});

export interface AuctionPhases {
  /** The planner's phase now, and until when the hot phase lasts. */
  now(): { phase: Phase; until?: number };
  /** The hot phase under way, else the next one ahead. */
  hot(): HotSpan | undefined;
  /** The earlier of `next` and the next phase change. */
  orPhaseChange(next: Temporal.Instant): Temporal.Instant;
  stop(): void;
}

export function followAuctions(bus: Bus, clock: Clock, onChange: () => void): AuctionPhases {
  const auctions = new Map<string, AuctionTimes>();
  const nowMs = () => clock.instant().epochMilliseconds;
  const off = bus.on("auction.updated", (e) => {
    const t = auctionTimesSchema.safeParse(e.payload);
    if (!t.success) return;
    const before = phaseAt(nowMs(), auctions.values()).phase;
    if (t.data.status === "closed" || t.data.status === "cancelled") {
      auctions.delete(t.data.auctionId);
    } else {
      auctions.set(t.data.auctionId, {
        status: t.data.status,
        endsAt: Date.parse(t.data.endsAt),
        extensionWindowSeconds: t.data.extensionWindowSeconds ?? 0,
        ingestGraceSeconds: t.data.ingestGraceSeconds ?? 0,
        ...(t.data.maxEndsAt ? { maxEndsAt: Date.parse(t.data.maxEndsAt) } : {}),
        extensions: t.data.extensions ?? 0,
      });
    }
    if (phaseAt(nowMs(), auctions.values()).phase !== before) onChange();
  });
  return {
    now: () => phaseAt(nowMs(), auctions.values()),
    hot: () => hotSpan(nowMs(), auctions.values()),
    orPhaseChange(next) {
      const change = nextPhaseChange(nowMs(), auctions.values());
      return change !== undefined && change < next.epochMilliseconds
        ? Temporal.Instant.fromEpochMilliseconds(change)
        : next;
    },
    stop: off,
  };
}
