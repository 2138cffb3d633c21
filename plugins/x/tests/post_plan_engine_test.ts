/**
 * The day's post plan through the whole engine on Basic (100 posts / 24 h), against the fake X:
 * the lots the auction schedules in the next 24 h (`auction.updated`) are planned at 6 posts
 * each and told on `/healthz` and by `check`; a flood of acks and outbid notices spends only
 * what the plan (and each priority's reserve) leaves, so every lot's winner, results and
 * settlement posts still go out — and the fake never has to answer 429.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { checkX } from "../check.ts";
import { xConfigSchema } from "../mod.ts";
import { PRIORITIES } from "../outbox.ts";
import { POSTS_PER_LOT } from "../post_plan.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const T0 = Temporal.Instant.from("2026-03-08T08:00:00-04:00");
const LOTS = 6;

Deno.test("post plan: 6 lots in the next 24 h keep their 36 posts free; a flood of acks and outbids leaves the winners room", async () => {
  const clock = virtualClock(T0.toString());
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "basic" });
  const storage = xStorage();
  try {
    // Six lots later today, two hours apart, the first 11 hours from now (after the flood).
    const auctions = Array.from({ length: LOTS }, (_, i) => ({
      id: `lot-${i + 1}`,
      item: `Lot #${i + 1}`,
      startsAt: T0.add({ hours: 11 + 2 * i }).toString(),
      endsAt: T0.add({ hours: 11 + 2 * i, minutes: 30 }).toString(),
      reserve: "1 ETH",
    }));
    const engine = await startXEngine(storage, {
      "funds-book": {},
      auction: { auctions },
      x: { baseUrl: served.url, tier: "basic", read: false },
    }, clock);
    await engine.x.idle();
    const planned = LOTS * POSTS_PER_LOT;
    const outbox = (await engine.health()).checks["x.outbox"];
    deepStrictEqual(
      outbox.plan,
      `the next 24 h plan ${planned} post(s) for ${LOTS} lot(s) of 100 a day; ${
        100 - planned
      } left for replies`,
    );
    // Seven hours of a notice every 4 minutes of each kind: acks (30 % reserve) and outbids (5 %,
    // paced a quarter of Basic's 864 s spacing: one a step).
    for (let minute = 0; minute < 7 * 60; minute += 4) {
      for (const [kind, priority] of [["accepted", "ack"], ["outbid", "outbid"]] as const) {
        await engine.x.post({
          key: `${kind}:${minute}`,
          kind,
          priority,
          text: `@fan${minute} ${kind} notice ${minute}`,
        });
      }
      await clock.advance(240_000);
      await engine.x.idle();
    }
    const sent = async () => {
      const rows = await engine.db.query<{ priority: number }>(
        "select priority from x_outbox where status = 'sent' order by sent_at, id",
      );
      return rows.map((r) => PRIORITIES[r.priority]);
    };
    const flood = await sent();
    // Acks go out only while what is left of the day stays above the plan plus their reserve
    // (100 − 36 − 30): none once 34 were sent; outbids only while it stays above the winners'
    // share of the plan (6 lots × 3) plus theirs (5): the flood stops at 77.
    const ackAt = flood.flatMap((p, i) => p === "ack" ? [i] : []);
    ok(ackAt.length >= 1 && ackAt.every((i) => i < 100 - planned - 30), JSON.stringify(ackAt));
    deepStrictEqual(
      flood.length,
      100 - LOTS * 3 - 5,
      "the flood stops short of the winners' posts",
    );
    // The closes: winner, results, settlement of every lot — all of them go out the same day.
    for (const a of auctions) {
      for (const kind of ["won", "results", "settled"]) {
        await engine.x.post({
          key: `${kind}:${a.id}`,
          kind,
          priority: "winner",
          text: `${a.item} ${kind}`,
        });
      }
    }
    await clock.advance(60_000);
    await engine.x.idle();
    const after = await sent();
    deepStrictEqual(after.filter((p) => p === "winner").length, LOTS * 3, "every close posted");
    ok(served.fake.posts().length <= 100);
    deepStrictEqual(served.fake.stats().rateLimitedBy, {}, "never a 429");
    await engine.stop();

    const findings = await checkX(
      xConfigSchema.parse({
        tier: "basic",
        baseUrl: served.url,
        lotsPerDay: LOTS,
        apiKey: "k",
        apiSecret: "s",
        accessToken: "t",
        accessSecret: "a",
      }),
      5000,
    );
    const line = findings.find((f) => f.text.startsWith("posts planned a day"));
    deepStrictEqual(line?.status, "ok", JSON.stringify(findings));
    ok(
      line.text.endsWith(`= ${planned} of basic's 100 a day; ${100 - planned} left for replies`),
      line.text,
    );
  } finally {
    await served.stop();
    await storage.remove();
  }
});
