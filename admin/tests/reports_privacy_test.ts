/**
 * The financial reports are private: the engine no longer serves them at
 * /auction/reports/…, an outsider (no cookie, a forged or stale one) gets 401
 * from the panel's report endpoints, and a signed-in role gets the same figures
 * the auction's own report functions compute; the ledger export is audited.
 * The public receipts stay public and carry no running maximum.
 */
import assert from "node:assert/strict";
import type { Auctions } from "../../plugins/auction/mod.ts";
import type { FundsBook } from "../../plugins/funds-book/mod.ts";
import { ETH, httpRequest, openAuction, panelEngine, sessionHeaders } from "./panel_kit.ts";

const ADDR = "0x00000000000000000000000000000000000000a1";

Deno.test({
  name: "reports: private behind the panel's sign-in; a signed-in viewer reads them",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({
      plugins: { "funds-book": {}, auction: { watermark: "clock", auctions: [openAuction()] } },
    });
    try {
      const auctions = engine.service<Auctions>("auctions");
      const book = engine.service<FundsBook>("funds-book");
      for (const h of ["@alice", "@bob"]) {
        await book.link(h, ADDR);
        await book.enter(h, "deposit", 10n * ETH);
      }
      const now = Temporal.Now.instant().toString();
      engine.bus.emit("bid.submitted", {
        tweetId: "11",
        handle: "@alice",
        text: "bid 1",
        tweetAt: now,
      });
      engine.bus.emit("bid.submitted", {
        tweetId: "12",
        handle: "@bob",
        text: "bid max 4 ETH",
        tweetAt: now,
      });
      await auctions.idle();
      await auctions.admin("lot-1", { action: "close" }, { actor: "test", reason: "close now" });
      await auctions.idle();

      // Outsiders: the old public paths are gone, the panel's refuse them.
      for (
        const path of [
          "/auction/reports/daily/lot-1",
          "/auction/reports/ledger.csv",
          "/auction/reports/bidders/bob",
        ]
      ) {
        const res = await fetch(`${engine.url}${path}`);
        const body = await res.text();
        assert.equal(res.status, 404, path);
        assert.ok(!body.includes("Genesis") && !body.includes(String(ETH)), path);
      }
      const csvPath = `${engine.url}/admin/api/reports/ledger.csv`;
      for (const cookie of [undefined, "sothebais_admin=forged"]) {
        const res = await fetch(csvPath, { headers: cookie ? { cookie } : {} });
        assert.equal(res.status, 401);
        assert.ok(!(await res.text()).includes("lot-1"));
      }
      const post = (type: string, data: unknown, headers: Record<string, string> = {}) =>
        httpRequest(engine.url, type, data, headers);
      for (const type of ["GetDailyReport", "GetLedger", "GetBidderReport"]) {
        const res = await post(type, type === "GetDailyReport" ? { auctionId: "lot-1" } : {});
        assert.equal(res.status, 401, type);
      }

      // A signed-in viewer: the same figures the auction computes.
      const vic = await engine.enrolled("vic", "viewer");
      const s = await engine.signIn("vic", vic.secret);
      const as = sessionHeaders(s);
      const daily = (await post("GetDailyReport", { auctionId: "lot-1" }, as)).json;
      const expected = (await auctions.reports.daily("lot-1"))!;
      assert.equal(daily.responseData.report.winner.handle, "@bob");
      assert.equal(daily.responseData.report.priceWei, String(expected.priceWei));
      assert.equal(daily.responseData.report.bids, 2);
      const csvRes = await fetch(csvPath, { headers: { cookie: s.cookie } });
      assert.equal(csvRes.status, 200);
      assert.match(csvRes.headers.get("content-disposition") ?? "", /attachment/);
      const csv = await csvRes.text();
      assert.equal(csv, await auctions.reports.ledgerCsv({}));
      assert.match(csv, /lot-1,,Genesis #1,bob,12,/);
      const bad = await fetch(`${csvPath}?from=yesterday`, { headers: { cookie: s.cookie } });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).message, /^from: /);
      const bidder = (await post("GetBidderReport", { handle: "bob" }, as)).json;
      assert.deepEqual(
        bidder.responseData.report.won.map((w: { auctionId: string }) => w.auctionId),
        [
          "lot-1",
        ],
      );
      const hostile = await post("GetBidderReport", { handle: "../../etc" }, as);
      assert.equal(hostile.status, 400);
      assert.match(hostile.json.message, /^handle: an X handle/);
      const audit = (await post("ListAudit", { action: "report" }, as)).json;
      assert.equal(audit.responseData.entries[0].action, "report.export");
      assert.equal(audit.responseData.entries[0].actor, "vic");

      // The public receipts: still public, and bob's maximum was told only once the lot closed.
      const receipts = await (await fetch(`${engine.url}/auctions/lot-1/bids`)).json();
      assert.deepEqual(receipts.bids.map((b: { handle: string }) => b.handle), ["@alice", "@bob"]);
    } finally {
      await engine.stop();
    }
  },
});
