/**
 * What a decision costs the database, end to end: a real engine (fake X, the x plugin, the
 * auction, funds-book; PGlite, or Postgres with DATABASE_URL) on a virtual clock, bidders
 * tweeting rising bids several a second. Every SQL statement the engine sends while they are
 * read, decided, recorded, told and answered on X is counted (`sothebais_db_statements_total`,
 * core/db.ts `countStatements`: statements inside transactions too, and each transaction once
 * more), and the count per decision must stay at or below `MAX_PER_DECISION`. A change that adds
 * a statement to every decision fails here; lower the bound when a change removes one.
 */
import { ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

/**
 * Measured 5.2 with Postgres, 4.7 with PGlite; the same test on the code before the statements
 * were cut: 18.35 (the load benchmark: 15.3 before, 4.4 after). One statement more a decision fails.
 */
const MAX_PER_DECISION = 5.75;
const ETH = 10n ** 18n;
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;

const statements = (text: string) =>
  new Map(
    text.split("\n").flatMap((line) => {
      const m = /^sothebais_db_statements_total\{statement="([^"]*)"\} (\S+)$/.exec(line);
      return m ? [[m[1], Number(m[2])] as const] : [];
    }),
  );

Deno.test("a decision costs at most MAX_PER_DECISION statements, reading to reply", async () => {
  const clock = virtualClock(T("13:59:50"));
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  const engine = await startXEngine(storage, {
    "funds-book": {},
    auction: {
      auctions: [{
        id: "cost-1",
        item: "Cost #1",
        startsAt: T("14:00:00"),
        endsAt: T("15:00:00"),
        reserve: "1 ETH",
        // Every bid of the test 0.1 ETH above the last is valid: each one is a new leader.
        minIncrementBps: 0,
        minIncrement: "0.1 ETH",
      }],
      rateLimit: { bids: 100, perSeconds: 60 },
    },
    x: { baseUrl: served.url, tier: "pro", stream: false, publicUrl: "https://show.example" },
  }, clock);
  try {
    const book = engine.service<FundsBook>("funds-book");
    const auctions = engine.service<Auctions>("auctions");
    const handles = Array.from({ length: 10 }, (_, i) => `@cost${i}`);
    for (const [i, handle] of handles.entries()) {
      await book.link(handle, `0x${(i + 1).toString(16).padStart(40, "0")}`);
      await book.enter(handle, "deposit", 1000n * ETH);
    }
    const step = async () => {
      await clock.advance(1_000);
      await engine.x.idle();
      await auctions.idle();
      await engine.x.idle();
    };
    for (let i = 0; i < 12; i++) await step(); // open, the first polls
    const before = statements(engine.metrics.render());
    let n = 0;
    for (let second = 0; second < 40; second++) {
      for (let k = 0; k < 4; k++, n++) {
        served.fake.inject({
          author: handles[n % handles.length],
          text: `@SothebAIs bid ${(1 + n / 10).toFixed(1)} ETH`,
        });
      }
      await step();
    }
    for (let i = 0; i < 30; i++) await step(); // the last decisions, their replies
    const decided = auctions.get("cost-1")!.bidCount;
    ok(decided === n, `all ${n} bids decided (${decided})`);
    const after = statements(engine.metrics.render());
    const spent = [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / n] as const)
      .filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    const total = spent.reduce((s, [, v]) => s + v, 0);
    console.log(
      `${engine.db.kind}: ${total.toFixed(2)} statements per decision (${n} decisions): ` +
        spent.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", "),
    );
    ok(total > 1, "the decisions were counted at all");
    ok(
      total <= MAX_PER_DECISION,
      `${total.toFixed(2)} statements a decision > ${MAX_PER_DECISION}`,
    );
  } finally {
    await engine.stop();
    await served.stop();
    await storage.remove();
  }
});
