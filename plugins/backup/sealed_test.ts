/**
 * A backup carries sealed values as they are (PGlite, or Postgres with DATABASE_URL): the
 * reminders sealed in the source come back byte for byte and open with the same key; under
 * another key (a restore into a fresh demo folder, which makes its own) the start's pass stops
 * naming the table and both key ids, and the source's key file makes them open again. The
 * same for the chain's wallet ↔ account pairing, found by its mac.
 */
import { virtualClock } from "../../core/clock.ts";
import { readSettings } from "../../core/config.ts";
import { openDatabase } from "../../core/engine.ts";
import { migrate, readMigrations } from "../../core/migrate.ts";
import { resealAll } from "../../core/sealed_columns.ts";
import { secretsOf } from "../../core/secret_key.ts";
import { assert, assertEquals, assertRejects } from "../../core/testing.ts";
import { testStorage } from "../../tests/engine.ts";
import { tempDir } from "../../tests/services.ts";
import { createReminders, resealReminders } from "../x/reminders.ts";
import { linkOf, ownerOf } from "../chain/accounts.ts";
import { linkContext, resealPairing, sealWallet } from "../chain/pairing.ts";
import { restoreBackup, writeBackup } from "./dump.ts";

const pass = [{ owner: "x", reseal: resealReminders }];

async function opened(storage: ReturnType<typeof testStorage>) {
  const { db, lock } = await openDatabase(readSettings(storage.env));
  await migrate(db, "x", await readMigrations(new URL("../x/migrations/", import.meta.url)));
  return {
    db,
    async close() {
      await db.close();
      lock?.release();
    },
  };
}

Deno.test("backup: sealed values travel as they are and open with the same key only", async () => {
  const dir = tempDir();
  const source = testStorage();
  const target = testStorage();
  const clock = virtualClock("2026-03-08T12:00:00-04:00");
  try {
    // The demo's key, kept in the source's data folder.
    const key = await secretsOf(readSettings(source.env));
    assertEquals(key.source, "data folder");
    const a = await opened(source);
    const r = createReminders(a.db, clock, key.box);
    await r.set("@bob", "1001", true);
    await r.set("@carol", "1002", false);
    const rows = async (db: typeof a.db) =>
      JSON.stringify(await db.query("select * from x_reminders order by handle_mac"));
    const sealed = await rows(a.db);
    const file = `${dir.path}/sealed.gz`;
    await writeBackup(a.db, file, new Date().toISOString());
    await a.close();
    assert(!(await gunzip(file)).includes("bob"), "the backup holds no plain handle");

    const b = await opened(target);
    try {
      await restoreBackup(b.db, file);
      assertEquals(await rows(b.db), sealed, "the sealed rows, byte for byte");
      // The target's own demo key (a fresh folder) opens nothing: the start would stop.
      const other = await secretsOf(readSettings(target.env));
      assert(other.box.keyId !== key.box.keyId);
      await assertRejects(
        () => resealAll(b.db, other.box, pass),
        Error,
        `was sealed with key ${key.box.keyId}, and the key given is ${other.box.keyId}`,
      );
      assertEquals(await createReminders(b.db, clock, other.box).active(), []);
      // The same key (SECRETS_KEY, or the source's key file) opens them.
      assertEquals(await createReminders(b.db, clock, key.box).active(), ["@bob"]);
      assertEquals(await resealAll(b.db, key.box, pass), [
        { owner: "x", table: "x_reminders", sealed: 0, resealed: 0 },
      ]);
    } finally {
      await b.close();
    }
  } finally {
    await source.remove();
    await target.remove();
    dir.remove();
  }
});

const gunzip = async (path: string) =>
  await new Response((await Deno.open(path)).readable.pipeThrough(new DecompressionStream("gzip")))
    .text();

Deno.test("backup: the wallet ↔ account pairing travels sealed, and opens (lookups by mac too) with the same key only", async () => {
  const dir = tempDir();
  const source = testStorage();
  const target = testStorage();
  const chainMigrations = new URL("../chain/migrations/", import.meta.url);
  const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const passes = [{ owner: "chain", reseal: resealPairing }];
  try {
    const key = await secretsOf(readSettings(source.env));
    const a = await opened(source);
    await migrate(a.db, "chain", await readMigrations(chainMigrations));
    // Written as a link writes them (plugins/chain/wallet_link.ts).
    const wallet = await sealWallet(key.box, address);
    await a.db.query(
      `insert into chain_links (handle_key, handle, x_user_id, address, address_mac, linked_at, nonce)
       values ('@alice', '@alice', '1001', $1, $2, now(), 'n')`,
      [await key.box.seal(address, linkContext("1001")), wallet.mac],
    );
    await a.db.query(
      `insert into chain_wallets (address_mac, address, x_user_id, linked_at)
       values ($1, $2, '1001', now())`,
      [wallet.mac, wallet.sealed],
    );
    const file = `${dir.path}/pairing.gz`;
    await writeBackup(a.db, file, new Date().toISOString());
    await a.close();
    assert(!(await gunzip(file)).toLowerCase().includes(address.slice(2).toLowerCase()));

    const b = await opened(target);
    try {
      await migrate(b.db, "chain", await readMigrations(chainMigrations));
      await restoreBackup(b.db, file);
      const other = await secretsOf(readSettings(target.env));
      await assertRejects(
        () => resealAll(b.db, other.box, passes),
        Error,
        `was sealed with key ${key.box.keyId}, and the key given is ${other.box.keyId}`,
      );
      assertEquals(
        await ownerOf(b.db, other.box, address),
        null,
        "another key's mac finds nothing",
      );
      // The same key: nothing to re-seal, the wallet found by its mac, the link opened.
      assertEquals(
        (await resealAll(b.db, key.box, passes)).filter((d) => d.sealed || d.resealed),
        [],
      );
      assertEquals(await ownerOf(b.db, key.box, address), { xUserId: "1001", handle: "@alice" });
      assertEquals((await linkOf(b.db, key.box, "@alice", "1001"))?.address, address);
    } finally {
      await b.close();
    }
  } finally {
    await source.remove();
    await target.remove();
    dir.remove();
  }
});
