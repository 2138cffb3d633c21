/**
 * Reminders at rest (PGlite, or Postgres with DATABASE_URL): no handle or account id in the
 * table, the latest tweet winning by the handle's mac; plain rows of before sealed by the
 * start's pass; rotation re-keys the mac and re-seals; a row copied to another, cut short,
 * garbage or of a key not given stops the pass naming the table and the key ids (a message,
 * never a stack), while `active()` skips only that row.
 */
import { virtualClock } from "../../core/clock.ts";
import { readSettings } from "../../core/config.ts";
import { openDatabase } from "../../core/engine.ts";
import { migrate, readMigrations } from "../../core/migrate.ts";
import { resealAll } from "../../core/sealed_columns.ts";
import { newSecretKey, parseSecretKey, secretBox } from "../../core/secret_box.ts";
import { assert, assertEquals, assertRejects } from "../../core/testing.ts";
import { testStorage } from "../../tests/engine.ts";
import { createReminders, resealReminders } from "./reminders.ts";

const MIGRATIONS = new URL("./migrations/", import.meta.url);
const keyOf = (text: string) => parseSecretKey(text, "SECRETS_KEY");

async function setup(
  o: { before?: (db: Awaited<ReturnType<typeof openDatabase>>["db"]) => Promise<void> } = {},
) {
  const storage = testStorage();
  const { db, lock } = await openDatabase(readSettings(storage.env));
  const all = await readMigrations(MIGRATIONS);
  const sealing = all.findIndex((m) => m.id.startsWith("008"));
  // The table as it was before sealing, rows in it, then the sealing migration.
  await migrate(db, "x", all.slice(0, sealing));
  await o.before?.(db);
  await migrate(db, "x", all);
  const keyText = newSecretKey();
  const box = await secretBox(keyOf(keyText));
  const clock = virtualClock("2026-03-08T12:00:00-04:00");
  return {
    db,
    box,
    keyText,
    clock,
    raw: async () => JSON.stringify(await db.query("select * from x_reminders")),
    async stop() {
      await db.close();
      lock?.release();
      await storage.remove();
    },
  };
}

const pass = [{ owner: "x", reseal: resealReminders }];

Deno.test("reminders at rest: sealed, found by the handle's mac, the latest tweet winning; plain rows sealed at start", async () => {
  const t = await setup({
    before: async (db) => {
      await db.query(
        `insert into x_reminders (handle, author_id, active, updated_at)
         values ('@olda', '9001', true, now()), ('@oldb', '9002', false, now())`,
      );
    },
  });
  try {
    // The start's pass: the rows of before sealed, the plain table emptied.
    assertEquals(await resealAll(t.db, t.box, pass), [
      { owner: "x", table: "x_reminders", sealed: 2, resealed: 0 },
    ]);
    assertEquals(await t.db.query("select * from x_reminders_plain"), []);
    const r = createReminders(t.db, t.clock, t.box);
    assertEquals(await r.active(), ["@olda"]);
    await r.set("@Bob", "1001", true);
    await r.set("@carol", "1002", true);
    await r.set("@bob", "1001", false);
    await r.set("@BOB", "1001", true);
    await r.set("@oldb", "9002", true);
    await r.set("@olda", "9001", false);
    assertEquals(await r.active(), ["@bob", "@carol", "@oldb"]);
    const rows = await t.db.query<{ handle_mac: string; sealed: string }>(
      "select handle_mac, sealed from x_reminders",
    );
    assertEquals(rows.length, 4, "one row a handle");
    const raw = (await t.raw()).toLowerCase();
    for (const plain of ["bob", "carol", "olda", "oldb", "1001", "1002", "9001", "9002"]) {
      assert(!raw.includes(plain), `${plain} is not in the table`);
    }
    assertEquals(await resealAll(t.db, t.box, pass), [
      { owner: "x", table: "x_reminders", sealed: 0, resealed: 0 },
    ]);
  } finally {
    await t.stop();
  }
});

Deno.test("reminders at rest: rotation re-keys and re-seals in one pass; a write before it replaces the old row", async () => {
  const t = await setup();
  try {
    await createReminders(t.db, t.clock, t.box).set("@bob", "1001", true);
    await createReminders(t.db, t.clock, t.box).set("@carol", "1002", true);
    const before = await t.db.query<{ handle_mac: string }>("select handle_mac from x_reminders");
    const rotated = await secretBox(keyOf(newSecretKey()), [keyOf(t.keyText)]);
    // A `stop` under the new key before the pass: it replaces bob's old row, not beside it.
    await createReminders(t.db, t.clock, rotated).set("@bob", "1001", false);
    assertEquals(await resealAll(t.db, rotated, pass), [
      { owner: "x", table: "x_reminders", sealed: 0, resealed: 1 },
    ]);
    const after = await t.db.query<{ handle_mac: string; sealed: string }>(
      "select handle_mac, sealed from x_reminders",
    );
    assertEquals(after.length, 2);
    assert(after.every((a) => rotated.sealedWith(a.sealed) === rotated.keyId));
    assert(after.every((a) => !before.some((b) => b.handle_mac === a.handle_mac)), "re-keyed");
    assertEquals(await createReminders(t.db, t.clock, rotated).active(), ["@carol"]);
    // The old key alone opens nothing now: the start would stop, naming the table and keys.
    const old = await secretBox(keyOf(t.keyText));
    await assertRejects(
      () => resealAll(t.db, old, pass),
      Error,
      `table x_reminders, row ${after[0].handle_mac}: x_reminders:${
        after[0].handle_mac
      } was sealed with key ${rotated.keyId}, and the key given is ${old.keyId}`,
    );
  } finally {
    await t.stop();
  }
});

Deno.test("reminders at rest: a value moved, cut short, garbage or not sealed stops the pass naming the table; active() skips only it", async () => {
  const t = await setup();
  try {
    const r = createReminders(t.db, t.clock, t.box);
    await r.set("@bob", "1001", true);
    await r.set("@carol", "1002", true);
    const [a, b] = await t.db.query<{ handle_mac: string; sealed: string }>(
      "select handle_mac, sealed from x_reminders order by handle_mac",
    );
    const rotated = await secretBox(keyOf(newSecretKey()), [keyOf(t.keyText)]);
    const kept = new Set<string>();
    const bad: Array<[string, string]> = [
      [a.sealed, "does not open (altered or moved)"], // another row's value
      [b.sealed.slice(0, -4), "does not open"], // cut short
      [`enc:v1:${t.box.keyId}:AAAA`, "does not open"], // garbage
      [`enc:v1:${t.box.keyId}:${"A".repeat(80)}`, "does not open"], // garbage, long enough
      ["@carol", "not a sealed value"], // plain text put in
      [await t.box.seal("[1,2]", `x_reminders:${b.handle_mac}`), "not a reminder"], // opens, wrong shape
    ];
    for (const [value, why] of bad) {
      await t.db.query("update x_reminders set sealed = $1 where handle_mac = $2", [
        value,
        b.handle_mac,
      ]);
      const error = await resealAll(t.db, rotated, pass).then(() => null, (e) => e);
      assert(error instanceof Error, `${value.slice(0, 20)} refused`);
      assert(error.message.startsWith(`table x_reminders, row ${b.handle_mac}: `), error.message);
      assert(error.message.includes(why), `${error.message} says ${why}`);
      assert(!error.message.includes("\n    at "), "a message, never a stack");
      // One bad row costs only itself: the other still gets its reminder.
      const left = await createReminders(t.db, t.clock, t.box).active();
      assert(left.length === 1 && ["@bob", "@carol"].includes(left[0]), `the good row: ${left}`);
      kept.add(left[0]);
    }
    assertEquals(kept.size, 1, "always the same good row");
    // Nothing changed by the refused passes: one transaction.
    const [still] = await t.db.query<{ sealed: string }>(
      "select sealed from x_reminders where handle_mac = $1",
      [a.handle_mac],
    );
    assertEquals(still.sealed, a.sealed);
  } finally {
    await t.stop();
  }
});
