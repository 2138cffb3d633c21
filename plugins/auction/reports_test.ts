import { virtualClock } from "../../core/clock.ts";
import { assert, assertEquals } from "../../core/testing.ts";
import { bidderHistory, campaignPerformance, csvCell, dailySummary, ledgerCsv } from "./reports.ts";
import { auctionEngine, testStorage } from "./test_engine.ts";

const ETH = 10n ** 18n;
const ADDR = "0x00000000000000000000000000000000000000a1";
const T = (day: string, hms: string) => `2026-06-${day}T${hms}-04:00`;

Deno.test("reports: daily summary, campaign performance, ledger CSV, bidder history; no public route", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("01", "00:00:00"));
  const campaign = {
    id: "summer",
    name: 'Summer, "hot" drops',
    project: "SothebAIs",
    collection: "Summer",
    startDate: "2026-06-01",
    endDate: "2026-06-02",
    window: { start: "14:00", end: "16:00" },
    items: [{ item: "Sun #1", reserve: "1 ETH" }, { item: "Sun #2", reserve: "5 ETH" }],
  };
  const engine = await auctionEngine(storage, { watermark: "clock", campaigns: [campaign] }, clock);
  try {
    for (const h of ["@alice", "@Bob"]) {
      await engine.book.link(h, ADDR);
      await engine.book.enter(h, "deposit", 10n * ETH);
    }
    const tweet = (id: string, handle: string, text: string, at: string) =>
      engine.bus.emit("bid.submitted", { tweetId: id, handle, text, tweetAt: at });
    const step = async (to: string) => {
      while (Temporal.Instant.compare(clock.instant(), Temporal.Instant.from(to)) < 0) {
        await clock.advance(30 * 60_000);
        await engine.auctions.idle();
      }
    };
    await step(T("01", "14:30:00"));
    tweet("1", "@alice", "bid 1", T("01", "14:05:00"));
    tweet("2", "@Bob", "bid 1.5", T("01", "14:06:00"));
    tweet("3", "@alice", "bid 1.5", T("01", "14:07:00"));
    await engine.auctions.idle();
    await engine.auctions.admin("summer-2026-06-01", { action: "extend", seconds: 60 }, {
      actor: "ops",
      reason: "show ran late",
    });
    await step(T("02", "14:30:00"));
    tweet("4", "@alice", "bid 2 #summer-2026-06-02", T("02", "14:05:00"));
    await step(T("03", "00:00:00"));

    const day1 = (await dailySummary(engine.db, "summer-2026-06-01"))!;
    assertEquals(
      [day1.status, day1.winner?.handle, day1.priceWei, day1.runnerUp?.handle, day1.bids],
      ["closed", "@Bob", 15n * ETH / 10n, "@alice", 3],
    );
    assertEquals([day1.accepted, day1.rejected, day1.uniqueBidders], [
      2,
      { below_increment: 1 },
      2,
    ]);
    assertEquals([day1.endsAt, day1.closedAt], [T("01", "16:01:00"), T("01", "16:02:00")]);
    assertEquals(day1.timeline.map((e) => e.kind === "bid" ? e.tweetId : e.action), [
      "1",
      "2",
      "3",
      "extend",
    ]);

    const perf = await campaignPerformance(engine.db, "summer");
    assertEquals(perf.days.map((d) => [d.day, d.status, d.winner, d.bids]), [
      ["2026-06-01", "closed", "@Bob", 3],
      ["2026-06-02", "closed", null, 1],
    ]);
    assertEquals(perf.totals, {
      auctions: 2,
      sold: 1,
      revenueWei: 15n * ETH / 10n,
      bids: 4,
      uniqueBidders: 2,
      sellThroughBps: 5000,
    });

    const csv = await ledgerCsv(engine.db);
    assertEquals(csv.split("\n"), [
      "closed_at,auction_id,campaign_id,item,winner,winning_tweet_id,amount_wei,amount_eth," +
      "reserve_wei,runner_up,runner_up_wei,settled",
      `${T("01", "16:02:00")},summer-2026-06-01,summer,Sun #1,Bob,2,1500000000000000000,1.5,` +
      "1000000000000000000,alice,1000000000000000000,false",
      "",
    ]);

    const bob = await bidderHistory(engine.db, "bob");
    assertEquals(bob.bids.map((b) => [b.tweetId, b.status]), [["2", "accepted"]]);
    assertEquals(bob.won, [{
      auctionId: "summer-2026-06-01",
      item: "Sun #1",
      amountWei: 15n * ETH / 10n,
    }]);

    // The service hands the same reports to the panel; the engine serves them to nobody.
    const auctions = engine.auctions;
    const daily = await auctions.reports.daily("summer-2026-06-01");
    assertEquals([daily?.priceWei, daily?.winner?.handle], [15n * ETH / 10n, "@Bob"]);
    assertEquals(await auctions.reports.daily("nope"), null);
    assertEquals(await auctions.reports.ledgerCsv({}), csv);
    for (
      const path of [
        "/auction/reports/daily/summer-2026-06-01",
        "/auction/reports/campaign/summer",
        "/auction/reports/bidders/bob",
        "/auction/reports/ledger.csv",
      ]
    ) {
      const res = await engine.http.request(path);
      assertEquals([path, res.status], [path, 404]);
      assert(!(await res.text()).includes("1500000000000000000"), path);
    }
    const list = await (await engine.http.request("/auction/auctions")).json();
    assertEquals(list.map((a: { auctionId: string }) => a.auctionId), [
      "summer-2026-06-01",
      "summer-2026-06-02",
    ]);
  } finally {
    await engine.stop();
    await storage.remove();
  }
});

Deno.test("main.ts report prints a day's summary and the ledger from the engine's database", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("05", "14:00:00"));
  const auction = {
    id: "cli-1",
    item: "CLI #1",
    startsAt: T("05", "13:00:00"),
    endsAt: T("05", "15:00:00"),
    reserve: "1 ETH",
  };
  const engine = await auctionEngine(storage, { watermark: "clock", auctions: [auction] }, clock);
  try {
    await engine.book.link("@alice", ADDR);
    await engine.book.enter("@alice", "deposit", 10n * ETH);
    engine.bus.emit("bid.submitted", {
      tweetId: "77",
      handle: "@alice",
      text: "bid 1.25",
      tweetAt: T("05", "13:30:00"),
    });
    await engine.auctions.idle();
    await engine.auctions.admin("cli-1", { action: "close" }, { actor: "ops", reason: "test" });
  } finally {
    await engine.stop();
  }
  try {
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "main.ts", "report", ...args],
        cwd: new URL("../../", import.meta.url),
        env: storage.env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, text: new TextDecoder().decode(out.stdout) };
    };
    const daily = await run("daily", "cli-1");
    assertEquals(daily.code, 0);
    const summary = JSON.parse(daily.text);
    assertEquals([summary.winner.handle, summary.priceWei, summary.bids], [
      "@alice",
      "1250000000000000000",
      1,
    ]);
    const ledger = await run("ledger");
    assertEquals(ledger.text.split("\n")[1].split(",").slice(1, 8), [
      "cli-1",
      "",
      "CLI #1",
      "alice",
      "77",
      "1250000000000000000",
      "1.25",
    ]);
    assertEquals((await run("daily", "nope")).code, 1);
  } finally {
    await storage.remove();
  }
});

Deno.test("ledger CSV: a cell a spreadsheet would run as a formula is neutralised", () => {
  assertEquals(
    ['=HYPERLINK("http://evil","x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"].map(csvCell),
    [`"'=HYPERLINK(""http://evil"",""x"")"`, "'+1", "'-2", "'@SUM(A1)", "'\tx", `"'\rx"`],
  );
  assertEquals(["Sun #1", 'a "b"', "a,b", "1500000000000000000", null, false].map(csvCell), [
    "Sun #1",
    '"a ""b"""',
    '"a,b"',
    "1500000000000000000",
    "",
    "false",
  ]);
});
