/**
 * The day's posts planned ahead. Every lot the auction schedules costs posts that must go out
 * whatever the replies do: its opening and reminders (announcements), and at the close the
 * winner, the results, the settlement (winner priority) and the runner-up (outbid). The plan
 * counts what is still to come for the lots of the next 24 h (from `auction.updated`) and keeps
 * that many posts of the tier's daily window free: bid acks and chatter may spend only what the
 * plan leaves; outbids and refusals only what the winner posts leave. `describe()` tells the
 * operator (`/healthz` `x.outbox`), and `checkPlan` what a day of `lotsPerDay` lots costs.
 */
import { z } from "zod";
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Priority } from "./outbox.ts";
import type { Window } from "./tier_limits.ts";

const DAY_MS = 86_400_000;
/** Posts each lot needs at its close: winner, results, settlement (winner priority). */
export const CLOSE_POSTS = 3;
/** Posts each lot needs before it opens: the opening, and (about) one reminder post. */
export const OPENING_POSTS = 2;
/** The runner-up's notice (outbid priority). */
const RUNNER_UP_POSTS = 1;
export const POSTS_PER_LOT = CLOSE_POSTS + OPENING_POSTS + RUNNER_UP_POSTS;

const lotSchema = z.object({
  auctionId: z.string(),
  status: z.string(),
  startsAt: z.string().refine((v) => Number.isFinite(Date.parse(v))),
  endsAt: z.string().refine((v) => Number.isFinite(Date.parse(v))),
});

export interface PostPlan {
  /** Planned posts a row of `priority` must leave free in a daily window. */
  reserveFor(priority: Priority): number;
  /** The plan now: lots in the next 24 h, posts still to come. */
  now(): { lots: number; posts: number; top: number };
  stop(): void;
}

export function planPosts(bus: Bus, clock: Clock): PostPlan {
  const lots = new Map<string, { status: string; startsAt: number; endsAt: number }>();
  const off = bus.on("auction.updated", (e) => {
    const l = lotSchema.safeParse(e.payload);
    if (!l.success) return;
    if (l.data.status === "closed" || l.data.status === "cancelled") lots.delete(l.data.auctionId);
    else {
      lots.set(l.data.auctionId, {
        status: l.data.status,
        startsAt: Date.parse(l.data.startsAt),
        endsAt: Date.parse(l.data.endsAt),
      });
    }
  });
  const now = () => {
    const t = clock.instant().epochMilliseconds;
    let n = 0, top = 0, rest = 0;
    for (const lot of lots.values()) {
      // A lot that closes after tomorrow's window is tomorrow's plan.
      if (lot.endsAt > t + DAY_MS) continue;
      n++;
      top += CLOSE_POSTS;
      rest += RUNNER_UP_POSTS + (lot.status === "scheduled" ? OPENING_POSTS : 0);
    }
    return { lots: n, posts: top + rest, top };
  };
  return {
    reserveFor(priority) {
      const plan = now();
      if (priority === "winner") return 0;
      // Outbids and refusals leave room for the winners; acks and chatter for the whole plan.
      if (priority === "outbid" || priority === "rejection" || priority === "answer") {
        return plan.top;
      }
      return priority === "announcement" ? plan.top : plan.posts;
    },
    now,
    stop: off,
  };
}

/** The daily window of the posting limits (24 h or longer), if the tier has one. */
export const dailyWindow = (windows: Window[]) => windows.find((w) => w.windowMs >= DAY_MS);

/** The plan in words, for `/healthz`; a warning when the plan is over the daily cap. */
export function describePlan(
  plan: { lots: number; posts: number },
  day: Window | undefined,
): { text: string; over: boolean } {
  if (!day) {
    return { text: `${plan.lots} lot(s) in the next 24 h plan ${plan.posts} post(s)`, over: false };
  }
  const over = plan.posts > day.limit;
  return {
    over,
    text: over
      ? `the next 24 h plan ${plan.posts} posts for ${plan.lots} lot(s), over the ${day.limit} a day X allows: announcements and acks give way`
      : `the next 24 h plan ${plan.posts} post(s) for ${plan.lots} lot(s) of ${day.limit} a day; ${
        day.limit - plan.posts
      } left for replies`,
  };
}

/** For `main.ts check`: what a day of `lotsPerDay` lots costs against the tier's daily cap. */
export function checkPlan(
  tier: string,
  windows: Window[],
  lotsPerDay: number,
): { status: "ok" | "problem"; text: string } {
  const day = dailyWindow(windows);
  const posts = lotsPerDay * POSTS_PER_LOT;
  const head = `posts planned a day: ${lotsPerDay} lot(s) × ${POSTS_PER_LOT} ` +
    `(opening, reminder, winner, runner-up, results, settlement) = ${posts}`;
  if (!day) return { status: "ok", text: `${head}; tier ${tier} has no daily posting cap` };
  const fit = Math.floor(day.limit / POSTS_PER_LOT);
  return posts > day.limit
    ? {
      status: "problem",
      text: `${head}, over ${tier}'s ${day.limit} a day: at most ${fit} lot(s) a day fit`,
    }
    : {
      status: "ok",
      text: `${head} of ${tier}'s ${day.limit} a day; ${day.limit - posts} left for replies`,
    };
}
