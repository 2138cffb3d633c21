/** The day's post plan: what each lot still needs, who must leave it free, and what it tells. */
import { deepStrictEqual, ok } from "node:assert/strict";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import { checkPlan, describePlan, planPosts, POSTS_PER_LOT } from "./post_plan.ts";
import { TIER_LIMITS } from "./tier_limits.ts";
import type { AuctionUpdated } from "../auction/mod.ts";

type Status = AuctionUpdated["status"];
const T = (hhmm: string) => `2026-03-08T${hhmm}:00-04:00`;

Deno.test("post plan: each lot of the next 24 h keeps its posts free; closed ones and tomorrow's do not", async () => {
  const clock = virtualClock(T("09:00"));
  const bus = createBus(clock, createLog("test", { level: "error" }));
  const plan = planPosts(bus, clock);
  const lot = (auctionId: string, status: Status, startsAt: string, endsAt: string) =>
    bus.emit("auction.updated", {
      auctionId,
      item: auctionId,
      status,
      startsAt,
      endsAt,
      maxEndsAt: endsAt,
      reserveWei: 0n,
      priceWei: null,
      leader: null,
      bidCount: 0,
      minNextWei: 1n,
      extensions: 0,
      extensionWindowSeconds: 300,
      extensionSeconds: 300,
      ingestGraceSeconds: 10,
    });
  lot("a", "scheduled", T("12:00"), T("12:30"));
  lot("b", "open", T("08:30"), T("09:30"));
  lot("c", "scheduled", "2026-03-10T12:00:00-04:00", "2026-03-10T12:30:00-04:00");
  lot("d", "closed", T("07:00"), T("07:30"));
  await new Promise((r) => setTimeout(r, 0));
  // a: opening + reminder + winner, runner-up, results, settlement; b (open): the close's 4.
  deepStrictEqual(plan.now(), { lots: 2, posts: 6 + 4, top: 6 });
  deepStrictEqual(
    (["winner", "outbid", "answer", "announcement", "ack", "chatter"] as const).map((p) =>
      plan.reserveFor(p)
    ),
    [0, 6, 6, 6, 10, 10],
  );
  lot("b", "closed", T("08:30"), T("09:30"));
  await new Promise((r) => setTimeout(r, 0));
  deepStrictEqual(plan.now().posts, 6);
  plan.stop();
});

Deno.test("post plan: told in words, a warning over the cap; check says how many lots a day fit", () => {
  const day = TIER_LIMITS.basic.posts[0];
  deepStrictEqual(
    describePlan({ lots: 2, posts: 12 }, day).text,
    "the next 24 h plan 12 post(s) for 2 lot(s) of 100 a day; 88 left for replies",
  );
  ok(describePlan({ lots: 20, posts: 120 }, day).over);
  deepStrictEqual(checkPlan("basic", TIER_LIMITS.basic.posts, 3).status, "ok");
  const over = checkPlan("basic", TIER_LIMITS.basic.posts, 20);
  deepStrictEqual(over.status, "problem");
  ok(over.text.endsWith(`at most ${Math.floor(100 / POSTS_PER_LOT)} lot(s) a day fit`), over.text);
  // Pro has a daily window too (10,000); pay-per-use only 15-minute ones.
  ok(checkPlan("pay-per-use", TIER_LIMITS["pay-per-use"].posts, 3).text.includes("no daily"));
});
