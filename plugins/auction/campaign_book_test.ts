/**
 * Campaigns saved through the `auctions` service: checked by the config's own
 * schema with each problem named by its field (hostile values too), run at
 * once, kept across a restart with no campaign in the config, and a save never
 * changing an auction that exists (it answers "kept").
 */
import { virtualClock } from "../../core/clock.ts";
import { assert, assertEquals, assertRejects } from "../../core/testing.ts";
import { auctionEngine, testStorage } from "./test_engine.ts";

const T = (day: string, hms: string) => `2026-06-${day}T${hms}-04:00`;
const campaign = (reserve: string) => ({
  id: "june",
  name: "June",
  project: "SothebAIs",
  collection: "Suns",
  startDate: "2026-06-10",
  endDate: "2026-06-11",
  window: { start: "14:00", end: "16:00" },
  items: [{ item: "Sun #1", reserve }, { item: "Sun #2", reserve: "2 ETH" }],
});

Deno.test("campaign book: checked with named fields, run at once, kept across a restart", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("09", "12:00:00"));
  let engine = await auctionEngine(storage, { watermark: "clock" }, clock);
  try {
    const book = engine.auctions.campaigns;
    const bad = book.check({
      ...campaign("2,5 ETH"),
      id: "../etc",
      window: { start: "25:00", end: "16:00" },
    });
    assert(!bad.ok);
    const problems = bad.ok ? [] : bad.problems;
    assert(problems.some((p) => p.startsWith("campaign.id: ")), problems.join("\n"));
    assert(problems.some((p) => p.startsWith("campaign.window.start: ")), problems.join("\n"));
    assert(problems.some((p) => p.startsWith("campaign.items.0.reserve: ")), problems.join("\n"));
    await assertRejects(() => book.save({ nope: true }), /campaign\.id/);
    assertEquals(book.check("not an object").ok, false);

    const saved = await book.save(campaign("1.5 ETH"));
    assertEquals(saved.days.map((d) => `${d.day} ${d.outcome}`), [
      "2026-06-10 created",
      "2026-06-11 created",
    ]);
    assertEquals(saved.campaign.items, [{ item: "Sun #1", reserve: "1.5 ETH" }, {
      item: "Sun #2",
      reserve: "2 ETH",
    }]);
    assertEquals(String(engine.auctions.get("june-2026-06-10")?.reserveWei), "1500000000000000000");
    // A second save with another reserve keeps the existing auctions as they are.
    const again = await book.save(campaign("9 ETH"));
    assertEquals(again.days.map((d) => d.outcome), ["kept", "kept"]);
    assertEquals(String(engine.auctions.get("june-2026-06-10")?.reserveWei), "1500000000000000000");
    await engine.stop();

    // Restarted with no campaign in its config: the saved one is still listed and runs.
    engine = await auctionEngine(storage, { watermark: "clock" }, clock);
    assertEquals((await engine.auctions.campaigns.list()).map((c) => c.id), ["june"]);
    await clock.advanceTo(Temporal.Instant.from(T("10", "14:30:00")));
    await engine.auctions.idle();
    assertEquals(engine.auctions.get("june-2026-06-10")?.status, "open");
  } finally {
    await engine.stop();
    await storage.remove();
  }
});
