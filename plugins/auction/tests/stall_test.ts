/**
 * No input can stall the queue. A 61-digit bid between two valid ones: all
 * three decided, the lot closes on time with the right winner, also across a
 * restart. A decision the database refuses (a trigger stands in for any write
 * it cannot take) is rejected with the reason after a bounded retry, and the
 * bids behind it are decided. A database that does not answer at all (a
 * Postgres of this test's own, stopped) makes the queue wait, health says so,
 * and nothing is lost when it is back.
 */
import { virtualClock } from "../../../core/clock.ts";
import { requireServices } from "../../../tests/services.ts";
import { ownPostgres, PG_BIN } from "../../../tests/own_services.ts";
import { assert, assertEquals } from "../../../core/testing.ts";
import { type AuctionEngine, auctionEngine, type Storage, testStorage } from "../test_engine.ts";

const ETH = 10n ** 18n;
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const I = (s: string) => Temporal.Instant.from(s);
const genesis = {
  id: "genesis-1",
  item: "Genesis #1",
  startsAt: T("14:00:00"),
  endsAt: T("16:00:00"),
  maxEndsAt: T("17:00:00"),
  reserve: "1 ETH",
  ingestGraceSeconds: 60,
};
const HUGE = "9".repeat(61);

async function start(storage: Storage, config: Record<string, unknown> = {}) {
  const clock = virtualClock(T("14:10:00"));
  const engine = await auctionEngine(storage, { auctions: [genesis], ...config }, clock);
  const decided: string[] = [];
  engine.bus.on("bid.accepted", (e) => void decided.push(`${e.payload.tweetId}:accepted`));
  engine.bus.on("bid.rejected", (e) => {
    decided.push(`${e.payload.tweetId}:${e.payload.reason}`);
  });
  const bid = (tweetId: string, handle: string, text: string, at: string) =>
    engine.bus.emit("bid.submitted", { tweetId, handle, text, tweetAt: T(at) } as never);
  return { clock, engine, decided, bid };
}

async function fund(engine: AuctionEngine) {
  for (const h of ["@alice", "@bob"]) {
    await engine.book.link(h, `0x${h.charCodeAt(1).toString(16).padStart(40, "0")}`);
    await engine.book.enter(h, "deposit", 5n * ETH);
  }
}

Deno.test("a 61-digit bid between two valid ones: all decided, the lot closes on time, across a restart", async () => {
  const storage = testStorage();
  let s = await start(storage);
  try {
    await fund(s.engine);
    s.bid("1001", "@alice", "@SothebAIs bid 1.5 ETH", "14:05:00");
    s.bid("1002", "@mallory", `@SothebAIs bid ${HUGE} ETH`, "14:06:00");
    s.bid("1003", "@bob", "@SothebAIs bid 2 ETH", "14:07:00");
    await s.engine.auctions.idle();
    assertEquals(s.decided, ["1001:accepted", "1002:malformed", "1003:accepted"]);
    const [row] = await s.engine.db.query<
      { amount_wei: string | null; amount_text: string; message: string }
    >("select amount_wei, amount_text, message from auction_bids where tweet_id = '1002'");
    assertEquals(row, {
      amount_wei: null,
      amount_text: HUGE,
      message: "a bid may be at most 10000 ETH",
    });

    // A restart: the decisions are there, the repeated tweets are duplicates, nothing waits.
    await s.engine.stop();
    s = await start(storage);
    s.bid("1002", "@mallory", `@SothebAIs bid ${HUGE} ETH`, "14:06:00");
    s.bid("1004", "@mallory", `@SothebAIs bid max ${HUGE}0 ETH`, "14:20:00");
    await s.engine.auctions.idle();
    assertEquals(s.decided, ["1002:duplicate", "1004:malformed"]);
    assertEquals((await s.engine.health()).checks["auction.queue"].ok, true);

    await s.clock.advanceTo(I(T("16:01:00")));
    s.engine.bus.emit("tweets.read-through", { until: T("16:01:00") } as never);
    await s.engine.auctions.idle();
    const a = s.engine.auctions.get("genesis-1")!;
    assertEquals([a.status, a.leader?.handle, a.priceWei], ["closed", "@bob", 2n * ETH]);
    const [closed] = await s.engine.db.query<{ closed_at: Date }>(
      "select closed_at from auction_auctions where id = 'genesis-1'",
    );
    assertEquals(closed.closed_at.getTime(), I(T("16:01:00")).epochMilliseconds);
  } finally {
    await s.engine.stop();
    await storage.remove();
  }
});

/** A trigger refusing tweet 666's rows: accepted ones only, or every one. */
const refuse = (every: boolean) => `
  create function refuse_tweet() returns trigger language plpgsql as $$
  begin
    if new.tweet_id = '666' and (${every} or new.status = 'accepted')
    then raise exception 'the test refuses tweet 666'; end if;
    return new;
  end $$;
  create trigger refuse_tweet before insert on auction_bids for each row execute function refuse_tweet();`;

for (const commitGroup of [1, 50]) {
  Deno.test(`a decision the database refuses is rejected with the reason; the queue goes on (commitGroup ${commitGroup})`, async () => {
    const storage = testStorage();
    const s = await start(storage, { commitGroup });
    try {
      await fund(s.engine);
      await s.engine.db.exec(refuse(false));
      s.bid("1", "@alice", "@SothebAIs bid 1.5 ETH", "14:05:00");
      s.bid("666", "@bob", "@SothebAIs bid 2 ETH", "14:06:00");
      s.bid("3", "@alice", "@SothebAIs bid 1.6 ETH", "14:07:00");
      await s.engine.auctions.idle();
      // 666 could not be accepted in writing: rejected instead; 3 is decided against the
      // market without it (1.6 ≥ 1.575).
      assertEquals(s.decided, ["1:accepted", "666:malformed", "3:accepted"]);
      const rows = await s.engine.db.query<{ tweet_id: string; status: string; message: string }>(
        "select tweet_id, status, message from auction_bids order by seq",
      );
      assertEquals(rows.map((r) => `${r.tweet_id}:${r.status}`), [
        "1:accepted",
        "666:rejected",
        "3:accepted",
      ]);
      assert(rows[1].message.startsWith("this bid could not be recorded ("), rows[1].message);
      assert(rows[1].message.includes("the test refuses tweet 666"), rows[1].message);
      assertEquals(s.engine.auctions.get("genesis-1")?.leader?.tweetId, "3");
      assertEquals((await s.engine.health()).checks["auction.queue"].ok, true);
    } finally {
      await s.engine.stop();
      await storage.remove();
    }
  });
}

Deno.test("a bid whose rejection cannot be written either is told, and costs nothing behind it", async () => {
  const storage = testStorage();
  const s = await start(storage);
  try {
    await fund(s.engine);
    await s.engine.db.exec(refuse(true));
    s.bid("666", "@bob", "@SothebAIs bid 2 ETH", "14:06:00");
    s.bid("7", "@alice", "@SothebAIs bid 1.5 ETH", "14:07:00");
    await s.engine.auctions.idle();
    assertEquals(s.decided, ["666:malformed", "7:accepted"]);
    const rows = await s.engine.db.query<{ tweet_id: string }>("select tweet_id from auction_bids");
    assertEquals(rows.map((r) => r.tweet_id), ["7"]);
  } finally {
    await s.engine.stop();
    await storage.remove();
  }
});

// ---- a database that does not answer --------------------------------------------------

Deno.test({
  name: "a database that does not answer holds the queue, health says so, nothing is lost",
  ignore: !PG_BIN && !requireServices,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!PG_BIN) throw new Error("REQUIRE_SERVICES=1 but no Postgres binaries to run one");
    const pg = await ownPostgres();
    const storage = testStorage();
    storage.env.DATABASE_URL = pg.url;
    const s = await start(storage);
    try {
      await fund(s.engine);
      s.bid("1", "@alice", "@SothebAIs bid 1.5 ETH", "14:05:00");
      await s.engine.auctions.idle();
      await pg.stop();
      s.bid("2", "@bob", "@SothebAIs bid 2 ETH", "14:06:00");
      s.bid("3", "@alice", "@SothebAIs bid 2.2 ETH", "14:07:00");
      // The first failed write and its unanswered ping take a few seconds (real time).
      const waiting = async () => {
        const queue = (await s.engine.health()).checks["auction.queue"];
        return !queue.ok && String(queue.detail).startsWith("decisions wait for the database");
      };
      for (let i = 0; i < 200 && !(await waiting()); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert(await waiting(), "health says the decisions wait for the database");
      assertEquals(s.decided, ["1:accepted"]);
      await pg.start();
      await s.engine.auctions.idle();
      assertEquals(s.decided, ["1:accepted", "2:accepted", "3:accepted"]);
      assertEquals((await s.engine.health()).checks["auction.queue"].ok, true);
    } finally {
      await s.engine.stop();
      await pg.remove();
      storage.env.DATABASE_URL = "";
      await storage.remove();
    }
  },
});
