import { resealAll } from "../../core/sealed_columns.ts";
import { newSecretKey, parseSecretKey, secretBox } from "../../core/secret_box.ts";
import { assert, assertEquals, assertRejects } from "../../core/testing.ts";
import { auctionEngine, testStorage } from "../auction/test_engine.ts";
import { resealBook } from "./mod.ts";

const ETH = 10n ** 18n;
const ADDR = "0x00000000000000000000000000000000000000a1";
const OTHER = "0x00000000000000000000000000000000000000B2";
const CAROL = "0x00000000000000000000000000000000000000c3";

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

Deno.test("funds-book at rest: addresses sealed to their row; plain rows sealed; rotation; a moved value refused naming the row", async () => {
  const storage = testStorage();
  const first = newSecretKey();
  storage.env.SECRETS_KEY = first;
  let engine = await auctionEngine(storage, {});
  const raw = async () => JSON.stringify(await engine.db.query("select * from funds_book_wallets"));
  try {
    await engine.book.link("@Alice", ADDR, "1001");
    await engine.book.link("@bob", OTHER);
    // Rows of before (or entered by hand): plain, sealed by the next start's reseal.
    await engine.db.query(
      "insert into funds_book_wallets (handle, address) values ('@carol', $1)",
      [
        CAROL,
      ],
    );
    const hex = (a: string) => a.slice(2).toLowerCase();
    assert(!(await raw()).toLowerCase().includes(hex(ADDR)), "alice's address is sealed");
    await engine.stop();
    engine = await auctionEngine(storage, {});
    for (const a of [ADDR, OTHER, CAROL]) assert(!(await raw()).toLowerCase().includes(hex(a)));
    assertEquals(await engine.book.walletOf("@alice", "1001"), ADDR);
    assertEquals(await engine.book.walletOf("@carol"), CAROL);
    await engine.stop();

    // Rotation: the start with the new key (the old one previous) re-seals every row.
    storage.env.SECRETS_KEY = newSecretKey();
    storage.env.SECRETS_KEY_PREVIOUS = first;
    engine = await auctionEngine(storage, {});
    const rows = await engine.db.query<{ handle: string; address: string }>(
      "select handle, address from funds_book_wallets order by handle",
    );
    assert(
      rows.every((r) => engine.secrets.box.sealedWith(r.address) === engine.secrets.box.keyId),
    );
    assertEquals(await engine.book.walletOf("@bob"), OTHER);
    // A sealed value copied to another row does not open: the pass names the table and row.
    await engine.db.query("update funds_book_wallets set address = $1 where handle = '@bob'", [
      rows[0].address,
    ]);
    // The next rotation opens every value: it stops, naming the table and the row.
    const next = await secretBox(parseSecretKey(newSecretKey(), "k"), [
      parseSecretKey(storage.env.SECRETS_KEY, "k"),
    ]);
    const error = await resealAll(engine.db, next, [{ owner: "funds-book", reseal: resealBook }])
      .then(() => null, (e) => e);
    assert(error instanceof Error, "the moved value is refused");
    assertEquals(
      error.message,
      "table funds_book_wallets.address, row @bob: funds_book_wallets.address:@bob: the sealed value does not open (altered or moved)",
    );
    await engine.stop();
    // And the book, which opens every row when it loads, refuses to start on it.
    await assertRejects(
      async () => engine = await auctionEngine(storage, {}),
      Error,
      "table funds_book_wallets, row @bob: funds_book_wallets.address:@bob: the sealed value does not open",
    );
  } finally {
    await engine.stop();
    await storage.remove();
  }
});
