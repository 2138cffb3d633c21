/**
 * Free: X documents one mentions read per 15 minutes and 100 posts read a month — no live
 * auction can run on that. `/healthz` and `check` say so from the start, in words; the plugin still
 * reads at that pace (nothing is refused that X allows).
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { checkX } from "../check.ts";
import { xConfigSchema } from "../mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const ETH = 10n ** 18n;

Deno.test("Free: /healthz and check say the tier cannot run a live auction, and why", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "free" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "free", post: false },
    }, clock);
    await engine.x.idle();
    const reads = (await engine.health()).checks["x.reads"];
    ok(reads.warning, JSON.stringify(reads));
    ok(
      String(reads.detail).startsWith(
        "the free tier cannot run a live auction: one mentions read every 15 min",
      ),
      String(reads.detail),
    );
    ok(served.fake.stats().requests["GET /2/users/:id/mentions"] >= 1, "it still reads");
    await engine.stop();

    const findings = await checkX(
      xConfigSchema.parse({
        tier: "free",
        baseUrl: served.url,
        apiKey: "k",
        apiSecret: "s",
        accessToken: "t",
        accessSecret: "a",
      }),
      5000,
    );
    const unfit = findings.find((f) => f.text.startsWith("the free tier cannot run"));
    ok(unfit?.status === "problem", JSON.stringify(findings));
    ok(unfit.text.includes("100 posts read a month"), unfit.text);
  } finally {
    await served.stop();
    await storage.remove();
  }
});

Deno.test("Free: what it does, it does within X's limits — every bid read once and decided, the close after the sweep, no 429", async () => {
  const clock = virtualClock("2026-03-08T13:59:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "free" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      "funds-book": {},
      auction: {
        auctions: [{
          id: "free-1",
          item: "Free #1",
          startsAt: "2026-03-08T14:00:00-04:00",
          endsAt: "2026-03-08T14:20:00-04:00",
          reserve: "1 ETH",
          ingestGraceSeconds: 30,
          extensionWindowSeconds: 300,
        }],
      },
      x: { baseUrl: served.url, tier: "free", publicUrl: "https://free.example" },
    }, clock);
    const book = engine.service<FundsBook>("funds-book");
    const auctions = engine.service<Auctions>("auctions");
    for (const [i, handle] of ["@ann", "@ben"].entries()) {
      await book.link(
        handle,
        `0x${(i + 1).toString(16).padStart(40, "0")}`,
        served.fake.user(handle).id,
      );
      await book.enter(handle, "deposit", 10n * ETH);
    }
    const decided: string[] = [];
    engine.bus.on("bid.accepted", (e) => decided.push(e.payload.tweetId));
    engine.bus.on("bid.rejected", (e) => decided.push(e.payload.tweetId));
    const bids = new Map([[3, ["@ann", "1"]], [9, ["@ben", "2"]], [13, ["@ann", "3"]]]);
    const injected: string[] = [];
    const t0 = clock.instant().epochMilliseconds;
    for (let minute = 0; minute < 90; minute++) {
      const bid = bids.get(minute);
      if (bid) {
        injected.push(
          served.fake.inject({ author: bid[0], text: `@SothebAIs bid ${bid[1]} ETH` }).id,
        );
      }
      for (let s = 0; s < 6; s++) {
        await clock.advance(10_000);
        await engine.x.idle();
        await auctions.idle();
      }
    }
    const elapsed = clock.instant().epochMilliseconds - t0;
    const stats = served.fake.stats();
    deepStrictEqual(stats.rateLimitedBy, {}, "no 429: never more than a window holds");
    // One request per 15 minutes per read endpoint (each window opens at its first request:
    // the first at the start, the last at the end of the 90 minutes at most).
    const windows = Math.floor(elapsed / (15 * 60_000)) + 1;
    for (const key of ["GET /2/users/:id/mentions", "GET /2/tweets/search/recent"]) {
      ok((stats.requests[key] ?? 0) <= windows, `${key}: ${stats.requests[key]} in ${windows}`);
    }
    deepStrictEqual(decided.sort(), [...injected].sort(), "every bid decided, once");
    const a = auctions.get("free-1")!;
    deepStrictEqual(
      a.status,
      "closed",
      "closed once the read-through and the sweep passed its end",
    );
    ok(served.fake.posts().length <= 17, `${served.fake.posts().length} posts in a day of 17`);
    ok(stats.postsRead <= 100);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
