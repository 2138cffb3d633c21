/**
 * From the panel to the show: a campaign saved over the panel's HTTP API (an
 * admin, with a reason) opens today's auction at once; bids tweeted through
 * the fake X server are read by the x plugin and decided by the engine; the
 * public bid log shows them, and the panel's day report (a viewer) says the
 * same: bids, accepted, leader and price.
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import type { Auctions } from "../../plugins/auction/mod.ts";
import { serveFakeX } from "../../stand-ins/fake-x/mod.ts";
import type { FundsBook } from "../../plugins/funds-book/mod.ts";
import { ETH, httpRequest, panelEngine, sessionHeaders } from "./panel_kit.ts";

Deno.test({
  name: "campaign show: saved in the panel, opened at once, bid on through the fake X, reported",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const x = serveFakeX({ tier: "pro" });
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock" },
        x: { baseUrl: x.url, tier: "pro", minPollMs: 200, ingestLagMs: 0 },
      },
    });
    try {
      const auctions = engine.service<Auctions>("auctions");
      const book = engine.service<FundsBook>("funds-book");
      for (const [i, h] of ["@alice", "@bob"].entries()) {
        await book.link(h, `0x00000000000000000000000000000000000000c${i}`);
        await book.enter(h, "deposit", 50n * ETH);
      }
      const ada = await engine.enrolled("ada", "admin");
      const vic = await engine.enrolled("vic", "viewer");
      const admin = await engine.signIn("ada", ada.secret);
      const viewer = await engine.signIn("vic", vic.secret);
      const call = (type: string, data: unknown, who: { cookie: string; csrf: string }) =>
        httpRequest(engine.url, type, data, sessionHeaders(who));
      // Today in New York, open all day (00:00–23:59), so the auction is open now.
      const today = Temporal.Now.zonedDateTimeISO("America/New_York").toPlainDate().toString();
      const campaign = {
        id: "today",
        name: "Today",
        project: "SothebAIs",
        collection: "Daily",
        startDate: today,
        endDate: today,
        window: { start: "00:00", end: "23:59" },
        items: [{ item: "Dawn #1", reserve: "1 ETH" }],
      };
      const saved = await call("SaveCampaign", { campaign, reason: "today's show" }, admin);
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      assert.deepEqual(saved.json.responseData.days, [{
        day: today,
        auctionId: `today-${today}`,
        outcome: "created",
      }]);
      const id = `today-${today}`;
      await eventually(
        () => auctions.get(id)?.status === "open",
        "the auction to open",
        10_000,
        50,
      );

      const log = async () =>
        (await (await fetch(`${engine.url}/auctions/${id}/bids`)).json()).bids;
      // One at a time: a tweet is decided against the state when it arrives (the stream and
      // the timeline may bring tweets sent together in another order).
      const tweets = [];
      for (
        const [author, text] of [
          ["@alice", "@SothebAIs bid 1 ETH"],
          ["@bob", "@SothebAIs bid 1.01 ETH"], // below the increment
          ["@bob", "@SothebAIs bid 2 ETH"],
        ]
      ) {
        tweets.push(x.fake.inject({ author, text }));
        await eventually(async () => (await log()).length === tweets.length, text, 20_000, 50);
      }
      const bids = await log();
      assert.deepEqual(
        bids.map((b: { tweetId: string; decision: string; reason: string | null }) => [
          b.tweetId,
          b.decision,
          b.reason,
        ]),
        [
          [tweets[0].id, "accepted", null],
          [tweets[1].id, "rejected", "below_increment"],
          [tweets[2].id, "accepted", null],
        ],
      );
      const report = await call("GetDailyReport", { auctionId: id }, viewer);
      assert.equal(report.status, 200);
      const r = report.json.responseData.report;
      assert.deepEqual([r.bids, r.accepted, r.rejected, r.campaignId], [3, 2, {
        below_increment: 1,
      }, "today"]);
      const snap = auctions.get(id)!;
      assert.equal(snap.leader?.handle, "@bob");
      assert.equal(String(snap.priceWei), String(2n * ETH));
      const campaignReport = await call("GetCampaignReport", { campaignId: "today" }, viewer);
      assert.deepEqual(
        campaignReport.json.responseData.report.days.map((d: { day: string; bids: number }) => [
          d.day,
          d.bids,
        ]),
        [[today, 3]],
      );
    } finally {
      await engine.stop();
      await x.stop();
    }
  },
});
