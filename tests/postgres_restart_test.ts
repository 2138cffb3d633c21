/**
 * Postgres restarted mid-auction: a real engine (`main.ts start`) on a Postgres
 * of this test's own (initdb + pg_ctl, its own port and folder: the machine's
 * server is never touched) takes bids while that Postgres crashes (`pg_ctl -m
 * immediate`) and, a few seconds later, starts again. While it is down the
 * decisions pause (nothing is read or decided without the truth) and `/healthz`
 * says so (503, status "down", the database check failing); tweets keep arriving. Once it is back, the same engine
 * (not restarted, still the leader) resumes by itself: every tweet decided once,
 * the accepted amounts rising, no post twice, and promptly: the tweets of the
 * outage are decided within `CATCH_UP_MS` of the restart (a loop that failed
 * meanwhile waits for the database to answer, not out its whole back-off).
 * Prints the pause and the catch-up.
 */
import { assert, assertEquals } from "../core/testing.ts";
import { bidShow, healthOf, until } from "./bid_show.ts";
import { ownPostgres, PG_BIN } from "./own_services.ts";
import { requireServices } from "./services.ts";

const OUTAGE_MS = 4000;
/** From `pg_ctl start` returning to the outage's last tweet decided. */
const CATCH_UP_MS = 10_000;

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "Postgres restarted mid-auction: decisions pause, health says so, resume by themselves",
  ignore: !PG_BIN && !requireServices,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pg = await ownPostgres();
    const show = await bidShow({ url: pg.url, name: "pgr", handles: ["@pgr_alice", "@pgr_bob"] });
    try {
      const engine = show.start("a");
      const leads = async () => (await healthOf(engine.port))?.checks.lease?.role === "leader";
      await until("the engine to lead", leads, 60_000);
      for (let i = 0; i < 3; i++) assertEquals(await show.decided(show.tweet()), "accepted");
      const [{ token }] = await show.sql`select token from core_lease`;

      await pg.stop();
      const downAt = performance.now();
      const during = [show.tweet(), show.tweet(), show.tweet()];
      const down = await until("health to say the database is down", async () => {
        const h = await healthOf(engine.port);
        return h && !h.checks.db.ok ? h : undefined;
      }, 20_000);
      const noticedMs = performance.now() - downAt;
      const r = await fetch(`http://127.0.0.1:${engine.port}/healthz`);
      await r.body?.cancel();
      assertEquals([r.status, down.status, down.ok], [503, "down", false]);
      const downSince = new Date();
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - noticedMs)));
      during.push(show.tweet());

      await pg.start();
      const upAt = performance.now();
      for (const id of during) assertEquals(await show.decided(id, 60_000), "accepted");
      const caughtUpMs = performance.now() - upAt;
      assert(
        caughtUpMs <= CATCH_UP_MS,
        `the outage's tweets decided ${
          caughtUpMs.toFixed(0)
        } ms after the restart (bound ${CATCH_UP_MS})`,
      );
      // Paused, not lost: each was decided after the database came back.
      const late = await show.sql`select tweet_id from auction_bids
        where tweet_id in ${show.sql(during)} and decided_at > ${downSince}`;
      assertEquals(late.length, during.length, "decided once the database was back");
      await until("health to be ok again", async () => (await healthOf(engine.port))?.ok, 20_000);
      // The same engine, still leading under the same token: nobody took over, nothing restarted.
      assertEquals(await leads(), true);
      const exited = await Promise.race([
        engine.child.status.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 100)),
      ]);
      assertEquals(exited, false, "the engine did not exit");
      assertEquals((await show.sql`select token from core_lease`)[0].token, token);
      assertEquals(await show.decided(show.tweet()), "accepted");
      const counted = await show.verify();
      console.log(
        `Postgres down ${OUTAGE_MS} ms: health said so after ${noticedMs.toFixed(0)} ms; ` +
          `${during.length} tweets from the outage decided ${caughtUpMs.toFixed(0)} ms after ` +
          `it was back; ${counted.decisions} decisions, ${counted.posts} posts, none twice`,
      );
    } finally {
      await show.close();
      await pg.remove();
    }
  },
});
