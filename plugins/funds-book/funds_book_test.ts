import { assertEquals, assertRejects } from "../../core/testing.ts";
import { auctionEngine, testStorage } from "../auction/test_engine.ts";

const ETH = 10n ** 18n;
const ADDR = "0x00000000000000000000000000000000000000a1";

Deno.test("funds-book: links and balances by handle (any case), exact, rebuilt on restart", async () => {
  const storage = testStorage();
  let engine = await auctionEngine(storage, {});
  try {
    await engine.book.link("@Alice", ADDR);
    await engine.book.enter("alice", "deposit", 3n * ETH, "first");
    await engine.book.enter("@ALICE", "refund", 1n, "one wei back");
    await engine.book.enter("@alice", "debit", ETH, "won genesis-1");
    assertEquals(await engine.book.walletOf("@aLiCe"), ADDR);
    assertEquals(await engine.book.walletOf("@bob"), null);
    assertEquals(await engine.book.balanceOf("@alice"), 2n * ETH - 1n);
    assertEquals(await engine.book.balanceOf("@bob"), 0n);
    await assertRejects(() => engine.book.link("@bob", "0x12"), /not an address/);
    await assertRejects(() => engine.book.enter("@bob", "deposit", 0n), /more than zero/);
    await engine.stop();
    engine = await auctionEngine(storage, {});
    assertEquals(await engine.book.walletOf("@alice"), ADDR);
    assertEquals(await engine.book.balanceOf("@Alice"), 2n * ETH - 1n);
  } finally {
    await engine.stop();
    await storage.remove();
  }
});
