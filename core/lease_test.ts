/**
 * The lease against the real Postgres: one holder at a time; the next takes over
 * when the holder's session ends; a holder that lost it is refused by `fence`
 * inside its own transaction; a fenced transaction in flight holds the takeover
 * back until it commits. PGlite's lease always leads.
 */
import { assert, assertEquals, assertRejects } from "./testing.ts";
import { openDb } from "./db.ts";
import { type Lease, LeaseLostError, postgresLease, soleLease } from "./lease.ts";
import { serviceAvailable, uniqueName } from "../tests/services.ts";
import postgres from "postgres";

const url = Deno.env.get("DATABASE_URL");

Deno.test("lease: embedded storage always leads, and its fence lets every write through", async () => {
  const lease = soleLease();
  await lease.acquired;
  assert(lease.isLeader());
  assertEquals((await lease.status()).leader, true);
  await lease.fence({ query: () => Promise.reject(new Error("not asked")), exec: async () => {} });
});

const settled = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]);

Deno.test({
  name: "lease (postgres): one holder; a session ended hands it over; the old holder is fenced",
  ignore: !(await serviceAvailable("postgres", () => url)),
  async fn() {
    const schema = uniqueName("lease");
    const db = await openDb({ url, schema, dataDir: "" });
    const admin = postgres(url!, { onnotice: () => {} });
    const leases: Lease[] = [];
    try {
      const a = postgresLease({ url: url!, schema, engine: "a", checkMs: 200 });
      leases.push(a);
      await a.acquired;
      const b = postgresLease({ url: url!, schema, engine: "b", checkMs: 200 });
      leases.push(b);
      assertEquals(await settled(b.acquired, 1000), false, "b waits while a holds");
      assertEquals((await b.status()).holder, "a");
      await db.transaction((tx) => a.fence(tx));

      // A write fenced under a's token, still open, holds b's takeover back until it ends.
      const { promise: release, resolve: letGo } = Promise.withResolvers<void>();
      const inFlight = db.transaction(async (tx) => {
        await a.fence(tx);
        await release;
      });
      await new Promise((r) => setTimeout(r, 100));
      const lost: string[] = [];
      a.onLost((why) => lost.push(why));
      const [ended] = await admin`select pg_terminate_backend(pid) as ok from pg_stat_activity
        where application_name = 'sothebais lease a'`;
      assert(ended?.ok, "a's lease session was ended");
      assertEquals(await settled(b.acquired, 1500), false, "b waits for the fenced write");
      letGo();
      await inFlight;
      assertEquals(await settled(b.acquired, 5000), true, "b takes over");
      assert(b.isLeader());
      const s = await b.status();
      assertEquals([s.holder, s.token], ["b", "2"]);

      // a noticed (its watch) or is told by its fence: either way it writes nothing more.
      await assertRejects(() => db.transaction((tx) => a.fence(tx)), LeaseLostError);
      assert(!a.isLeader());
      assertEquals(lost.length, 1);
      await db.transaction((tx) => b.fence(tx));
    } finally {
      await Promise.all(leases.map((l) => l.close()));
      await db.exec(`drop schema if exists "${schema}" cascade`);
      await db.close();
      await admin.end();
    }
  },
});
