/**
 * Nothing decided is left unsaid: a real engine (`main.ts start` on the real
 * Postgres, the x plugin against a fake X) is SIGKILLed again and again during
 * bursts of bids. Listeners are made slow (a trigger delays each x outbox
 * insert) so that kills land between a decision's commit and its telling.
 * After the last restart every decision has its reply queued in the x outbox —
 * each accepted bid its `accepted:` key, each rejection its `rejected:` key —
 * nothing is left in the announcement outbox, and no post went out twice.
 */
import { assert, assertEquals } from "../core/testing.ts";
import postgres from "postgres";
import { serveFakeX } from "../stand-ins/fake-x/serve_fake_x.ts";
import { bidShowConfig, freePort, killQuietly, type Running, startCli } from "./cli.ts";
import { serviceAvailable, tempDir, uniqueName } from "./services.ts";

const url = Deno.env.get("DATABASE_URL");
const LIVES = 4;
const HANDLES = ["@to_alice", "@to_bob", "@to_carol", "@to_dave"];

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: `SIGKILL during bursts of bids (${LIVES} lives): every decision has its reply, none twice`,
  ignore: !(await serviceAvailable("postgres", () => url)),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const schema = uniqueName("told");
    const sql = postgres(url!, { onnotice: () => {}, connection: { search_path: schema } });
    const fakeX = serveFakeX({ tier: "pro", hostHandle: "SothebAIs" });
    const dir = tempDir();
    const configFile = bidShowConfig(dir.path, {
      fakeXUrl: fakeX.url,
      auctionId: "told-1",
      item: "Told #1",
      minPollMs: 100,
    });
    const port = freePort();
    const start = (): Running =>
      startCli(["--config", configFile, "--log", "json"], {
        DATABASE_URL: url!,
        DATABASE_SCHEMA: schema,
        DATA_DIR: `${dir.path}/data`,
        PORT: String(port),
        LOG_LEVEL: "info",
      });
    const until = async (what: string, f: () => Promise<boolean>, ms = 60_000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (await f()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const leads = async () => {
      try {
        const body = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
        return body.checks?.lease?.role === "leader";
      } catch {
        return false;
      }
    };
    const toldAgain = (r: Running) =>
      r.lines.flatMap((l) => {
        try {
          const e = JSON.parse(l);
          return e.msg === "decisions told again after a restart" ? [Number(e.n)] : [];
        } catch {
          return [];
        }
      }).reduce((a, b) => a + b, 0);
    const count = async (table: string) =>
      Number((await sql.unsafe(`select count(*)::int as n from ${table}`))[0].n);

    let run = start();
    const sent: string[] = [];
    let price = 1;
    let untoldAtKills = 0;
    let retold = 0;
    try {
      await until("the engine to start", leads);
      for (const [i, h] of HANDLES.entries()) {
        await sql`insert into funds_book_wallets (handle, address)
          values (${h}, ${"0x" + String(i + 1).repeat(40)})`;
        await sql`insert into funds_book_entries (handle, kind, amount_wei, note)
          values (${h}, 'deposit', ${String(10n ** 21n)}, 'test')`;
      }
      // A slow listener: each reply's insert waits 20 ms, so tellings are in flight at a kill.
      await sql.unsafe(`
        create function slow_outbox() returns trigger language plpgsql as
          $$ begin perform pg_sleep(0.02); return new; end $$;
        create trigger slow_outbox before insert on x_outbox
          for each row execute function slow_outbox();`);
      // Kill while decisions are committed and not yet told (what the test is about).
      const telling = () =>
        until(
          "a decision committed, not yet told",
          async () => (await count("auction_announcements")) > 0,
          10_000,
        );
      for (let life = 0; life < LIVES; life++) {
        if (life) await telling();
        killQuietly(run.child);
        await run.child.status;
        untoldAtKills += life ? await count("auction_announcements") : 0;
        retold += toldAgain(run);
        run = start();
        await until("the engine to lead", leads);
        const began = performance.now();
        const burst = 800 + Math.random() * 1200;
        while (performance.now() - began < burst) {
          for (let i = 0; i < 5; i++) {
            // Mostly rising, now and then too low: accepted and rejected bids both.
            price = Math.random() < 0.9 ? price + 0.05 : price - 0.3;
            const t = fakeX.fake.inject({
              author: HANDLES[sent.length % HANDLES.length],
              text: `@SothebAIs bid ${price.toFixed(2)} ETH`,
            });
            sent.push(t.id);
          }
          await new Promise((r) => setTimeout(r, 50)); // ≈ 100 bids/s
        }
      }
      await telling();
      killQuietly(run.child);
      await run.child.status;
      untoldAtKills += await count("auction_announcements");
      retold += toldAgain(run);
      run = start();
      await until("the engine to lead", leads);
      await until("every tweet decided", async () => (await count("auction_bids")) >= sent.length);
      await until("every decision told", async () => (await count("auction_announcements")) === 0);
      retold += toldAgain(run);

      const decisions = await sql`select tweet_id, status, reason from auction_bids
        where proxy_for is null`;
      assertEquals(decisions.length, sent.length);
      const expected = decisions.filter((d) => d.reason !== "duplicate").map((d) =>
        `${d.status === "accepted" ? "accepted" : "rejected"}:${d.tweet_id}`
      ).sort();
      const keys = (await sql`select key from x_outbox
        where key like 'accepted:%' or key like 'rejected:%'`).map((r) => r.key as string).sort();
      assertEquals(keys, expected, "each decision's reply queued once");
      const posts = fakeX.fake.posts().map((p) =>
        `${p.referenced_tweets?.find((r) => r.type === "replied_to")?.id ?? "-"} ${p.text}`
      );
      assertEquals(posts.length, new Set(posts).size, "a post sent twice");
      assert(untoldAtKills > 0, "no kill fell between a commit and its telling");
      const accepted = decisions.filter((d) => d.status === "accepted").length;
      console.log(
        `told once: ${sent.length} bids (${accepted} accepted) over ${LIVES} SIGKILLs; ` +
          `${untoldAtKills} decisions untold at the kills, ${retold} told again at restart; ` +
          `${keys.length} replies queued, ${posts.length} posts, none twice`,
      );
    } finally {
      killQuietly(run.child);
      await run.child.status;
      await fakeX.stop();
      await sql.unsafe(`drop schema if exists "${schema}" cascade`);
      await sql.end();
      dir.remove();
    }
  },
});
