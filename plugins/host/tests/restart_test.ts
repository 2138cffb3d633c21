/**
 * Across a restart: the result is said once ("Sold!" is not said again when
 * the close is told a second time), and the host names the item by its name,
 * read back from storage, never by its id.
 */
import { assert, assertEquals } from "../../../core/testing.ts";
import { virtualClock } from "../../../core/clock.ts";
import { testEngine, testStorage } from "../../../tests/engine.ts";
import type {} from "../mod.ts";

const auction = {
  id: "lot-7",
  item: "Chromatic Dusk #7",
  startsAt: "2026-03-09T14:00:00-04:00",
  endsAt: "2026-03-09T14:10:00-04:00",
  reserve: "1 ETH",
};

async function start(env: Record<string, string>, at: string) {
  const clock = virtualClock(at);
  const engine = await testEngine({
    clock,
    env,
    plugins: {
      "funds-book": {},
      auction: { watermark: "clock", auctions: [auction] },
      host: { posts: { enabled: false } },
    },
  });
  const said: string[] = [];
  engine.bus.on("host.said", (e) => void said.push(e.payload.text));
  const idle = async () => {
    for (let i = 0; i < 4; i++) {
      await engine.service<{ idle(): Promise<void> }>("auctions").idle();
      await engine.service<{ idle(): Promise<void> }>("host").idle();
    }
  };
  return { clock, engine, said, idle };
}

Deno.test("host: after a restart the result is said once, and the item by its name", async () => {
  const storage = testStorage();
  try {
    const a = await start(storage.env, "2026-03-09T13:59:30-04:00");
    const book = a.engine.service<{
      link(h: string, x: string): Promise<void>;
      enter(h: string, k: string, w: bigint): Promise<bigint>;
    }>("funds-book");
    await book.link("@alice", "0x" + "a".repeat(40));
    await book.enter("@alice", "deposit", 5n * 10n ** 18n);
    await a.clock.advance(60_000);
    const at = a.clock.instant().toString();
    a.engine.bus.emit("bid.submitted", {
      tweetId: "9001",
      handle: "@alice",
      text: "@SothebAIs bid 2",
      tweetAt: at,
      receivedAt: at,
    });
    await a.idle();
    for (let i = 0; i < 12 * 6; i++) {
      await a.clock.advance(10_000);
      await a.idle();
    }
    const sold = a.said.filter((t) => /sold|hammer falls/i.test(t));
    assertEquals(sold.length, 1, a.said.join(" | "));
    assert(sold[0].includes("Chromatic Dusk #7") || sold[0].includes("@alice"));
    await a.engine.stop();

    const b = await start(storage.env, "2026-03-09T14:20:00-04:00");
    try {
      // The close told again (a replay after the restart): not said twice.
      b.engine.bus.emit("auction.closed", {
        auctionId: "lot-7",
        winner: { handle: "@alice", amountWei: 2n * 10n ** 18n, tweetId: "9001" },
        runnerUp: null,
        at: "2026-03-09T14:10:00-04:00",
      });
      await b.idle();
      await b.clock.advance(30_000);
      await b.idle();
      assert(!b.said.some((t) => /sold|hammer falls|wins/i.test(t)), b.said.join(" | "));
      for (const t of b.said) assert(!t.includes("lot-7"), t);
      const answer = new Promise<string>((resolve) =>
        b.engine.bus.on("host.said", (e) => resolve(e.payload.text))
      );
      b.engine.bus.emit("host.question", { tweetId: "9100", handle: "@bob", text: "who won?" });
      await b.idle();
      await b.clock.advance(30_000);
      const text = await answer;
      assert(text.includes("Chromatic Dusk #7") && !text.includes("lot-7"), text);
    } finally {
      await b.engine.stop();
    }
  } finally {
    await storage.remove();
  }
});
