/**
 * Tamper-evidence at the CLI: after real decisions and an override (embedded
 * storage), `main.ts audit verify` finds every chain whole and the daily report
 * carries the bid log's head hash; a bid changed in the database afterwards is
 * named by `audit verify` (exit 1); the overrides' audit log refuses changes.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../core/testing.ts";
import { auctionEngine, testStorage } from "../plugins/auction/test_engine.ts";
import { cli, writeShowConfig } from "./cli.ts";
import { openDb } from "../core/db.ts";

const ETH = 10n ** 18n;

Deno.test("audit verify: whole chains pass, the daily report pins the head, a changed bid is named", async () => {
  const storage = testStorage(true);
  const now = Temporal.Now.instant();
  const config = {
    watermark: "clock",
    auctions: [{
      id: "chain-1",
      item: "Chain #1",
      startsAt: now.subtract({ minutes: 1 }).toString(),
      endsAt: now.add({ minutes: 30 }).toString(),
      reserve: "1 ETH",
    }],
  };
  const file = writeShowConfig(`${storage.env.DATA_DIR}/sothebais.json`, [
    ["funds-book"],
    ["auction", config],
  ]);
  const verify = async () => {
    const out = await cli(["audit", "verify", "--config", file], storage.env).output();
    return { code: out.code, text: new TextDecoder().decode(out.stdout) };
  };
  try {
    const engine = await auctionEngine(storage, config);
    for (const h of ["@alice", "@bob"]) {
      await engine.book.link(h, "0x" + "a1".repeat(20));
      await engine.book.enter(h, "deposit", 50n * ETH);
    }
    for (let i = 0; i < 6; i++) {
      engine.bus.emit("bid.submitted", {
        tweetId: String(100 + i),
        handle: i % 2 ? "@bob" : "@alice",
        text: `bid ${2 + i}`,
        tweetAt: now.add({ seconds: i }).toString(),
      } as never);
    }
    await engine.auctions.idle();
    await engine.auctions.admin("chain-1", { action: "pause" } as never, {
      actor: "ops",
      reason: "test",
    });
    await engine.auctions.admin("chain-1", { action: "resume" } as never, {
      actor: "ops",
      reason: "test",
    });
    // As the panel's Reports page gets it (the reports are behind its sign-in).
    const daily = JSON.parse(JSON.stringify(
      await engine.auctions.reports.daily("chain-1"),
      (_k, v) => typeof v === "bigint" ? v.toString() : v,
    ));
    await engine.stop();

    const ok = await verify();
    assertEquals(ok.code, 0, ok.text);
    assertMatch(ok.text, /auction_bids: ok, 6 entries, head [0-9a-f]{64}/);
    assertMatch(ok.text, /auction_audit: ok, 2 entries/);
    const head = ok.text.match(/auction_bids: ok, 6 entries, head ([0-9a-f]{64})/)![1];
    assertEquals(daily.chain.bidLogHead, head, "the daily report pins the bid log's head");
    assertEquals(daily.chain.bidLogSeq, "6");

    // Someone with database access changes a bid: the entry is named.
    const db = await openDb({ dataDir: `${storage.env.DATA_DIR}/pglite` });
    try {
      await db.query("update auction_bids set amount_wei = amount_wei * 2 where chain_seq = 3");
      await assertRejects(() => db.query("update auction_audit set reason = 'nothing to see'"));
    } finally {
      await db.close();
    }
    const bad = await verify();
    assertEquals(bad.code, 1);
    assertMatch(bad.text, /auction_bids: BROKEN at entry 3: its content does not match/);
    assert(bad.text.includes("auction_audit: ok"));
  } finally {
    await storage.remove();
  }
});
