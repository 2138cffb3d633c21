/**
 * Migration 010 on an outbox of before (PGlite, or Postgres with DATABASE_URL): the link replies
 * that named the wallet, sent or not, keep neither the address in their key nor the wallet in
 * their words; other replies are untouched.
 */
import { readSettings } from "../../core/config.ts";
import { openDatabase } from "../../core/engine.ts";
import { migrate, readMigrations } from "../../core/migrate.ts";
import { assertEquals } from "../../core/testing.ts";
import { testStorage } from "../../tests/engine.ts";

Deno.test("migration 010: the link replies of before name no wallet, in their key or their text", async () => {
  const storage = testStorage();
  const { db, lock } = await openDatabase(readSettings(storage.env));
  try {
    const all = await readMigrations(new URL("./migrations/", import.meta.url));
    await migrate(db, "x", all.filter((m) => m.id < "010"));
    const address = "0xAbCd000000000000000000000000000000001234";
    for (
      const [key, kind, status, text] of [
        [
          `linked:@alice:${address.toLowerCase()}`,
          "linked",
          "pending",
          "@alice wallet 0xAbCd…1234 is linked to your account. Deposit to escrow, then bid.",
        ],
        [
          "link:777",
          "linked",
          "sent",
          "@bob wallet 0xAbCd…1234 is linked to your account. Deposit to escrow, then bid.",
        ],
        ["keep:1", "keep", "sent", "@carol wallet 0xAbCd…1234 is linked, kept as it is"],
      ]
    ) {
      await db.query(
        `insert into x_outbox (key, kind, priority, text, base_text, status, created_at)
         values ($1, $2, 1, $3, $3, $4, now())`,
        [key, kind, text, status],
      );
    }
    await migrate(db, "x", all);
    const rows = await db.query<{ id: string; key: string; text: string; base_text: string }>(
      "select id::text, key, text, base_text from x_outbox order by id",
    );
    assertEquals(rows.map((r) => [r.key, r.text, r.base_text]), [
      [
        `linked:@alice:before-${rows[0].id}`,
        "@alice your wallet is linked to your account. Deposit to escrow, then bid.",
        "@alice your wallet is linked to your account. Deposit to escrow, then bid.",
      ],
      [
        "link:777",
        "@bob your wallet is linked to your account. Deposit to escrow, then bid.",
        "@bob your wallet is linked to your account. Deposit to escrow, then bid.",
      ],
      [
        "keep:1",
        "@carol wallet 0xAbCd…1234 is linked, kept as it is",
        "@carol wallet 0xAbCd…1234 is linked, kept as it is",
      ],
    ]);
  } finally {
    await db.close();
    lock?.release();
    await storage.remove();
  }
});
