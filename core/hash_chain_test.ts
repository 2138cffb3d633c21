/**
 * The hash chain, on PGlite and on Postgres: inserts (one at a time, several in
 * one statement, concurrent ones) form one unbroken chain whatever the
 * session's time zone; a changed row, a removed row and a changed legitimately
 * mutable column are told apart; an append-only table refuses updates.
 */
import { assertEquals, assertRejects } from "./testing.ts";
import { type Db, openDb } from "./db.ts";
import { migrate } from "./migrate.ts";
import { verifyChain } from "./hash_chain.ts";
import { serviceAvailable, tempDir, uniqueName } from "../tests/services.ts";

const url = Deno.env.get("DATABASE_URL");
const backends: Array<[string, () => Promise<{ db: Db; done(): Promise<void> }>]> = [[
  "pglite",
  async () => {
    const dir = tempDir();
    const db = await openDb({ dataDir: dir.path });
    return { db, done: async () => (await db.close(), dir.remove()) };
  },
]];
if (await serviceAvailable("postgres", () => url)) {
  backends.push(["postgres", async () => {
    const schema = uniqueName("chain");
    const db = await openDb({ url, schema, dataDir: "" });
    return {
      db,
      done: async () => {
        await db.exec(`drop schema if exists "${schema}" cascade`);
        await db.close();
      },
    };
  }]);
}

const TABLE = `
create table log (
  id bigserial primary key, at timestamptz not null, actor text not null, amount numeric(78, 0),
  status text not null default 'ok', chain_seq bigint unique, chain_prev text, chain_hash text);
create trigger log_chain before insert on log for each row execute function core_chain_link('status');
create table audit (id bigserial primary key, what text not null,
  chain_seq bigint unique, chain_prev text, chain_hash text);
create trigger audit_chain before insert on audit for each row execute function core_chain_link();
create trigger audit_append_only before update or delete on audit
  for each row execute function core_chain_refuse();`;

for (const [name, open] of backends) {
  Deno.test(`hash chain (${name}): one chain; the first changed or removed entry is named`, async () => {
    const { db, done } = await open();
    try {
      await migrate(db, "t", [{ id: "001.sql", sql: TABLE }]);
      await db.query("set TimeZone = 'America/New_York'");
      await db.query(
        "insert into log (at, actor, amount) values (now(), 'alice', 10), (now(), 'bob', 20)",
      );
      await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) =>
            db.transaction((tx) =>
              tx.query("insert into log (at, actor, amount) values ($1, $2, $3)", [
                new Date(Date.UTC(2026, 2, 8, 14, 0, i)),
                `bidder${i}`,
                String(10n ** 30n + BigInt(i)),
              ])
            ),
        ),
      );
      await db.query("set TimeZone = 'Asia/Tokyo'"); // verifying from elsewhere changes nothing
      let r = await verifyChain(db, "log");
      assertEquals([r.entries, r.broken, r.head?.length], [22, null, 64]);

      // A legitimately mutable column (a bid voided) leaves the chain intact.
      await db.query("update log set status = 'voided' where chain_seq = 5");
      assertEquals((await verifyChain(db, "log")).broken, null);
      // A changed amount: that entry is named.
      await db.query("update log set amount = amount + 1 where chain_seq = 7");
      r = await verifyChain(db, "log");
      assertEquals(r.broken?.chainSeq, "7");
      await db.query("update log set amount = amount - 1 where chain_seq = 7");
      assertEquals((await verifyChain(db, "log")).broken, null);
      // A removed entry: the next one's link is wrong.
      await db.query("delete from log where chain_seq = 12");
      r = await verifyChain(db, "log");
      assertEquals(r.broken?.chainSeq, "13");
      assertEquals(r.broken?.why.startsWith("its link"), true);

      await db.query("insert into audit (what) values ('pause'), ('resume')");
      const audit = await verifyChain(db, "audit");
      assertEquals([audit.entries, audit.broken], [2, null]);
      await assertRejects(() => db.query("update audit set what = 'x'"));
      await assertRejects(() => db.query("delete from audit"));
    } finally {
      await done();
    }
  });
}
