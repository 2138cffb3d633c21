/**
 * One-time announcements across restarts: the opening and last-5-minutes
 * tweets, the last-5-minutes and last-minute calls on stream, and the result
 * (said and tweeted) each happen once per auction — never twice when the
 * engine restarts after making one, never skipped when the engine was down at
 * its mark (made on start, while still true). Five engines one after another
 * on the same storage (Postgres when DATABASE_URL is set), each stopped and a
 * new one started, as a redeploy or a crash-restart would.
 */
import { assert, assertEquals } from "../../../core/testing.ts";
import { virtualClock } from "../../../core/clock.ts";
import { testEngine, testStorage } from "../../../tests/engine.ts";
import type {} from "../mod.ts";
import { posted } from "./recording_x.ts";

const auction = {
  id: "lot-once",
  item: "Evening Tide #3",
  startsAt: "2026-03-09T14:00:00-04:00",
  endsAt: "2026-03-09T14:30:00-04:00",
  reserve: "1 ETH",
};

const said: string[] = [];

/** An engine from `at` until `until` (New York, 2026-03-09), then stopped. */
async function run(env: Record<string, string>, at: string, until: string) {
  const clock = virtualClock(`2026-03-09T${at}-04:00`);
  const engine = await testEngine({
    clock,
    env,
    plugins: {
      "funds-book": {},
      auction: { watermark: "clock", auctions: [auction] },
      "../plugins/host/tests/recording_x.ts": {},
      host: { idleSeconds: 3600 },
    },
  });
  engine.bus.on("host.said", (e) => void said.push(e.payload.text));
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      await engine.service<{ idle(): Promise<void> }>("auctions").idle();
      await engine.service<{ idle(): Promise<void> }>("host").idle();
    }
  };
  try {
    await settle();
    const end = Temporal.Instant.from(`2026-03-09T${until}-04:00`);
    while (Temporal.Instant.compare(clock.instant(), end) < 0) {
      await clock.advance(5000);
      await settle();
    }
  } finally {
    await engine.stop();
  }
}

const keys = () => posted.map((p) => p.key);
const count = (re: RegExp) => said.filter((t) => re.test(t)).length;
const CALL5 = /last 5 minutes|5 minutes to go/i;
const CALL1 = /last minute|final minute/i;
const RESULT = /closed without a sale|no sale/i;

Deno.test("host: each one-time announcement once per auction across restarts, none skipped", async () => {
  const storage = testStorage();
  posted.length = 0;
  said.length = 0;
  try {
    // Started mid-auction (the opening was missed): the opening tweet is made once, on start.
    await run(storage.env, "14:20:00", "14:24:00");
    assertEquals(keys(), ["host:opened:lot-once"]);
    assertEquals(count(CALL5), 0);

    // Down at 14:25 (the last-5-minutes mark): on start at 14:27 the tweet and the call are due.
    await run(storage.env, "14:27:00", "14:27:30");
    assertEquals(keys(), ["host:opened:lot-once", "host:last:lot-once"]);
    assertEquals(count(CALL5), 1, said.join(" | "));

    // Restarted after both were made: neither again; the last-minute call at its mark, once.
    await run(storage.env, "14:28:00", "14:29:20");
    assertEquals(keys(), ["host:opened:lot-once", "host:last:lot-once"]);
    assertEquals([count(CALL5), count(CALL1)], [1, 1], said.join(" | "));

    // Restarted after the last-minute call: not again; the close is said and tweeted once.
    await run(storage.env, "14:29:30", "14:33:00");
    assertEquals([count(CALL5), count(CALL1), count(RESULT)], [1, 1, 1], said.join(" | "));
    assertEquals(keys(), ["host:opened:lot-once", "host:last:lot-once", "host:result:lot-once"]);

    // After the close: nothing of it again.
    await run(storage.env, "14:40:00", "14:42:00");
    assertEquals(keys(), ["host:opened:lot-once", "host:last:lot-once", "host:result:lot-once"]);
    assertEquals([count(CALL5), count(CALL1), count(RESULT)], [1, 1, 1], said.join(" | "));
    assert(said.every((t) => !t.includes("lot-once")), said.join(" | "));
  } finally {
    await storage.remove();
  }
});
