/**
 * A backup carries sealed values as they are (PGlite, or Postgres with DATABASE_URL): the
 * reminders sealed in the source come back byte for byte and open with the same key; under
 * another key (a restore into a fresh demo folder, which makes its own) the start's pass stops
 * naming the table and both key ids, and the source's key file makes them open again.
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
