/// <reference lib="dom" />
/**
 * The Reports page in headless Chromium: the figures match the auction's
 * public log (`/auctions/:id/bids`) and snapshot — bids, accepted, rejected by
 * reason, winner, price, the price chart's points, bids per minute — the
 * ledger row and its CSV export match the auction's ledger, a bidder's
 * activity, a hostile handle refused with the field named; an outsider gets
 * the sign-in form and no figure. Screenshots (desktop, phone).
 */
import assert from "node:assert/strict";
import type { Auctions } from "../../plugins/auction/mod.ts";
import type { FundsBook } from "../../plugins/funds-book/mod.ts";
import {
  ARTIFACTS,
  chromiumReady,
  ETH,
  launchChromium,
  openAuction,
  panelEngine,
  signedInPage,
} from "./panel_kit.ts";

const ready = await chromiumReady();

Deno.test({
  name:
    "reports page: figures and charts match the auction log; ledger CSV export; outsiders see none",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock", auctions: [openAuction("lot-1", "Genesis #9")] },
      },
    });
    const browser = await launchChromium();
    try {
      const auctions = engine.service<Auctions>("auctions");
      const book = engine.service<FundsBook>("funds-book");
      for (const [i, h] of ["@alice", "@bob", "@carol"].entries()) {
        await book.link(h, `0x00000000000000000000000000000000000000b${i}`);
        await book.enter(h, "deposit", 20n * ETH);
      }
      const now = Temporal.Now.instant();
      const bids: Array<[string, string, number]> = [
        ["@alice", "bid 1", -50],
        ["@bob", "bid 1.2", -45],
        ["@carol", "bid 1.21", -40], // below the increment
        ["@alice", "bid 2", -30],
        ["@carol", "bid 50", -10], // more than the escrow
        ["@bob", "bid 2.5", -5],
      ];
      for (const [i, [handle, text, s]] of bids.entries()) {
        engine.bus.emit("bid.submitted", {
          tweetId: String(100 + i),
          handle,
          text,
          tweetAt: now.add({ seconds: s }).toString(),
        });
        await auctions.idle();
      }
      await auctions.admin("lot-1", { action: "close" }, { actor: "test", reason: "report test" });
      await auctions.idle();
      const log = (await (await fetch(`${engine.url}/auctions/lot-1/bids`)).json()).bids as Array<
        { decision: string; reason: string | null }
      >;
      const snap = auctions.get("lot-1")!;
      const accepted = log.filter((b) => b.decision === "accepted").length;
      const rejected: Record<string, number> = {};
      for (const b of log) if (b.reason) rejected[b.reason] = (rejected[b.reason] ?? 0) + 1;
      assert.ok(Object.keys(rejected).length >= 2, JSON.stringify(rejected));

      // An outsider: the sign-in form, no figure.
      const outsider = await browser.newPage();
      await outsider.goto(`${engine.url}/admin/reports`);
      await outsider.waitForSelector("#sign-in");
      assert.equal(await outsider.locator("#report-daily").count(), 0);

      const { page } = await signedInPage(
        browser,
        engine,
        { name: "vic", role: "viewer" },
        "/admin/reports",
        { width: 1440, height: 1000 },
      );
      await page.waitForSelector("#report-daily");
      assert.equal(await page.textContent("#r-auction"), "lot-1");
      assert.equal(await page.textContent("#r-bids"), String(log.length));
      assert.equal(await page.textContent("#r-accepted"), String(accepted));
      assert.equal(
        await page.textContent("#r-rejected"),
        Object.entries(rejected).map(([k, n]) => `${k} ${n}`).join(", "),
      );
      assert.equal(await page.textContent("#r-winner"), snap.leader!.handle);
      assert.equal(await page.getAttribute("#r-price", "data-wei"), String(snap.priceWei));
      assert.equal(await page.textContent("#r-unique"), "3");
      assert.equal(await page.getAttribute("#chart-price", "data-points"), String(accepted));
      // Bids per minute: one point per distinct minute the bids fell in.
      const minutes = new Set(
        bids.map(([, , s]) => Math.floor(now.add({ seconds: s }).epochMilliseconds / 60_000)),
      );
      assert.equal(await page.getAttribute("#chart-bpm", "data-points"), String(minutes.size));
      assert.equal(await page.locator("#chart-price canvas").count(), 1);

      // The ledger: the row, and the export equal to the auction's ledger.
      await page.waitForSelector('#report-ledger tr[data-auction="lot-1"]');
      const exported = await page.evaluate(async () =>
        await (await fetch(document.querySelector<HTMLAnchorElement>("#export-ledger")!.href))
          .text()
      );
      assert.equal(exported, await auctions.reports.ledgerCsv({}));

      // A bidder's activity; a hostile handle refused with the field named.
      await page.fill("#bidder-handle", "@bob");
      await page.click("#bidder-look");
      await page.waitForSelector("#bidder-result");
      assert.match((await page.textContent("#bidder-result"))!, /2 bids · won 1: Genesis #9/);
      await page.fill("#bidder-handle", "<script>alert(1)</script>");
      await page.click("#bidder-look");
      assert.match((await page.textContent("#bidder-error"))!, /handle: an X handle/);

      await page.screenshot({ path: `${ARTIFACTS}reports.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: `${ARTIFACTS}reports-phone.png`, fullPage: true });
    } finally {
      await browser.close();
      await engine.stop();
    }
  },
});
