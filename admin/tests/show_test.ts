/// <reference lib="dom" />
/**
 * The panel on a running show (real time, fake X server, the x plugin, the
 * auction, compositor, voice and stream): a bid tweeted through the fake X
 * server appears on the Auction page and in the Live page's preview within
 * 500 ms of its decision (printed); an override with a reason, the slate and
 * back, each confirmed, show in the audit log with before and after.
 * Screenshots of each page go to data/test-artifacts/admin/.
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import type { FrameSink } from "../../core/frame_loop.ts";
import type {} from "../../plugins/auction/mod.ts";
import type { Frame, Frames } from "../../plugins/compositor/mod.ts";
import { serveFakeX } from "../../stand-ins/fake-x/mod.ts";
import type { FundsBook } from "../../plugins/funds-book/mod.ts";
import {
  ARTIFACTS,
  chromiumReady,
  ETH,
  launchChromium,
  median,
  openAuction,
  panelEngine,
  showPlugins,
  signedInPage,
} from "./panel_kit.ts";

const ready = await chromiumReady();

Deno.test({
  name:
    "show: bids on the Auction page and in the preview within 500 ms; override, slate and back audited",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const x = serveFakeX({ tier: "pro" });
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: {
          auctions: [openAuction("lot-1", "Genesis #7")],
        },
        x: { baseUrl: x.url, tier: "pro", minPollMs: 200, ingestLagMs: 0 },
        ...showPlugins(),
      },
    });
    const browser = await launchChromium();
    try {
      const book = engine.service<FundsBook>("funds-book");
      for (const [i, h] of ["@alice", "@bob"].entries()) {
        await book.link(h, `0x00000000000000000000000000000000000000a${i}`);
        await book.enter(h, "deposit", 50n * ETH);
      }
      const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
      const { page: auctionPage } = await signedInPage(context, engine, {
        name: "olga",
        role: "operator",
      }, "/admin/auction");
      await auctionPage.waitForSelector("#glance-status");
      const livePage = await context.newPage();
      await livePage.goto(`${engine.url}/admin/live`);
      await livePage.waitForSelector("#program[data-index]", { state: "attached" });

      // When each row appears (page clock = engine clock: one machine) and each preview frame is shown.
      await auctionPage.evaluate(() => {
        const w = globalThis as unknown as { seen: Record<string, number> };
        w.seen = {};
        new MutationObserver(() => {
          for (const row of document.querySelectorAll("#bid-rows tr")) {
            const id = (row as HTMLElement).dataset.tweet!;
            w.seen[id] ??= Date.now();
          }
        }).observe(document.body, { childList: true, subtree: true });
      });
      await livePage.evaluate(() => {
        const w = globalThis as unknown as { shown: Array<{ index: number; at: number }> };
        w.shown = [];
        const img = document.getElementById("program")!;
        new MutationObserver(() => {
          w.shown.push({ index: Number(img.dataset.index), at: Number(img.dataset.shownAt) });
        }).observe(img, { attributes: true, attributeFilter: ["data-shown-at"] });
      });
      // The frame loop's last rendered index when each decision was announced.
      let lastIndex = 0;
      const frames = engine.service<Frames>("frames");
      const sink: FrameSink<Frame> = {
        name: "test",
        push: (_f, i) => void (lastIndex = i),
        dropped: () => 0,
        depth: () => ({ queued: 0, limit: 1 }),
      };
      const removeSink = frames.loop.addSink(sink);
      const decided = new Map<string, { at: number; index: number }>();
      engine.bus.on("bid.accepted", (e) => {
        decided.set(e.payload.tweetId, { at: Date.now(), index: lastIndex });
      });

      await t.step("bids appear within 500 ms of their decision", async () => {
        const toPage: number[] = [];
        const toPreview: number[] = [];
        for (let i = 0; i < 5; i++) {
          const tweet = x.fake.inject({
            author: i % 2 ? "@bob" : "@alice",
            text: `@SothebAIs bid ${2 + i} ETH`,
          });
          await eventually(() => decided.has(tweet.id), `decision of bid ${i}`, 10_000, 50);
          const d = decided.get(tweet.id)!;
          await auctionPage.waitForFunction(
            (id) => (globalThis as unknown as { seen: Record<string, number> }).seen[id],
            tweet.id,
          );
          const seen = await auctionPage.evaluate(
            (id) => (globalThis as unknown as { seen: Record<string, number> }).seen[id],
            tweet.id,
          );
          toPage.push(seen - d.at);
          await livePage.waitForFunction(
            (index) =>
              (globalThis as unknown as { shown: Array<{ index: number }> }).shown.some((s) =>
                s.index > index
              ),
            d.index,
          );
          const shown = await livePage.evaluate(
            (index) =>
              (globalThis as unknown as { shown: Array<{ index: number; at: number }> }).shown.find(
                (s) => s.index > index,
              )!.at,
            d.index,
          );
          toPreview.push(shown - d.at);
          await new Promise((r) => setTimeout(r, 300));
        }
        console.log(
          `decision → Auction page: median ${median(toPage)} ms, max ${Math.max(...toPage)} ms; ` +
            `→ preview frame shown: median ${median(toPreview)} ms, max ${
              Math.max(...toPreview)
            } ms ` +
            `(${toPage.length} bids)`,
        );
        assert.ok(Math.max(...toPage) < 500, `Auction page: ${toPage}`);
        assert.ok(Math.max(...toPreview) < 500, `preview: ${toPreview}`);
        assert.equal(await auctionPage.textContent("#glance-price"), "6 ETH");
        assert.equal(await auctionPage.textContent("#glance-leader"), "@alice");
        removeSink();
      });

      await t.step("screenshots of each page", async () => {
        await livePage.waitForSelector("#chart-fps canvas");
        // Each widget's draw time, from the compositor (the scene's text items at least).
        await livePage.waitForSelector("#widget-times td");
        assert.match(await livePage.textContent("#widget-times") ?? "", /text\d+\.\d{2}/);
        await livePage.screenshot({ path: `${ARTIFACTS}live.png` });
        await auctionPage.screenshot({ path: `${ARTIFACTS}auction.png`, fullPage: true });
      });

      await t.step(
        "pause with a reason: confirmed with what changes, in the audit log with before and after",
        async () => {
          await auctionPage.click("#ov-pause");
          await auctionPage.waitForSelector(".changes");
          const changes = await auctionPage.locator(".changes tbody tr").allTextContents();
          assert.ok(
            changes.some((r) => r.includes("status") && r.includes("open") && r.includes("paused")),
            `${changes}`,
          );
          assert.ok(await auctionPage.isDisabled("#confirm-go"), "a reason is required");
          await auctionPage.fill("#confirm-reason", "artist on the phone");
          await auctionPage.click("#confirm-go");
          await auctionPage.waitForSelector("#glance-status.status-paused");
          await auctionPage.click("#ov-resume");
          await auctionPage.fill("#confirm-reason", "artist happy again");
          await auctionPage.click("#confirm-go");
          await auctionPage.waitForSelector("#glance-status.status-open");

          await livePage.click("#show-slate");
          assert.ok(await livePage.isDisabled("#confirm-go"), "the slate needs a reason");
          await livePage.fill("#confirm-reason", "encoder check");
          await livePage.click("#confirm-go");
          await eventually(
            async () => (await livePage.textContent("#scene")) === "slate",
            "slate",
            5000,
            50,
          );
          await livePage.click("#leave-slate");
          await livePage.fill("#confirm-reason", "all good");
          await livePage.click("#confirm-go");
          await eventually(
            async () => (await livePage.textContent("#scene")) === "live",
            "back",
            5000,
            50,
          );

          const system = await context.newPage();
          await system.goto(`${engine.url}/admin/system`);
          await system.waitForSelector('#audit-rows tr[data-action="auction.pause"]');
          const row = async (action: string) =>
            (await system.locator(`#audit-rows tr[data-action="${action}"]`).first()
              .textContent())!;
          const pause = await row("auction.pause");
          assert.match(pause, /olga/);
          assert.match(pause, /artist on the phone/);
          assert.match(pause, /status: open → paused/);
          assert.match(await row("auction.resume"), /status: paused → open/);
          assert.match(await row("show.slate"), /encoder check.*scene: live → slate/);
          assert.match(await row("show.leave-slate"), /scene: slate → live/);
          await system.fill("#audit-action", "show");
          await eventually(
            async () =>
              (await system.locator("#audit-rows tr").evaluateAll((rows) =>
                rows.map((r) => (r as HTMLElement).dataset.action)
              )).every((a) => a!.startsWith("show.")),
            "the action filter",
            5000,
            50,
          );
          await system.waitForSelector("#chart-cpu canvas");
          await system.fill("#audit-action", "");
          await system.waitForSelector('#audit-rows tr[data-action="auction.pause"]');
          await system.screenshot({ path: `${ARTIFACTS}system.png`, fullPage: true });
        },
      );
      await context.close();
    } finally {
      await browser.close();
      await engine.stop();
      await x.stop();
    }
  },
});
