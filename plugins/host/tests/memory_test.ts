/**
 * The host's memory is used: what it said within the repeat window is not
 * said again — also after a restart, read back from its records — and the same
 * answer to the same question is not repeated within the window, whoever asks;
 * once the window has passed, or the facts in the answer changed, it is.
 */
import { assert, assertEquals } from "../../../core/testing.ts";
import { virtualClock } from "../../../core/clock.ts";
import { testEngine, testStorage } from "../../../tests/engine.ts";
import type { HostService } from "../mod.ts";

const auction = {
  id: "lot-9",
  item: "Quiet Harbour #9",
  startsAt: "2026-03-09T14:00:00-04:00",
  endsAt: "2026-03-09T17:00:00-04:00",
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
      host: { posts: { enabled: false }, idleSeconds: 20 },
    },
  });
  const said: Array<{ text: string; at: Temporal.Instant }> = [];
  engine.bus.on("host.said", (e) => void said.push({ text: e.payload.text, at: clock.instant() }));
  const host = engine.service<HostService>("host");
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      await engine.service<{ idle(): Promise<void> }>("auctions").idle();
      await host.idle();
    }
  };
  let tweet = 500;
  return {
    clock,
    engine,
    host,
    said,
    async ask(handle: string, text: string) {
      engine.bus.emit("host.question", { tweetId: String(++tweet), handle, text });
      await settle();
    },
    async advance(ms: number) {
      for (let t = 0; t < ms; t += 1000) {
        await clock.advance(1000);
        await settle();
      }
    },
  };
}

const HOW = "how do I bid?";
const isHowAnswer = (t: string) => t.includes("link your wallet, deposit to escrow");

Deno.test("host memory: the same answer is not repeated within the window, whoever asks", async () => {
  const storage = testStorage();
  try {
    const a = await start(storage.env, "2026-03-09T14:00:30-04:00");
    try {
      await a.ask("@dan", HOW);
      await a.advance(10_000);
      await a.ask("@erin", HOW); // the room heard the answer 10 s ago
      await a.ask("@fay", HOW.toUpperCase());
      await a.advance(60_000);
      const answers = a.said.filter((s) => isHowAnswer(s.text));
      assertEquals(answers.map((s) => s.text.split(",")[0]), ["@dan"]);
      const dropped = await a.host.lines({ outcome: "dropped" });
      assertEquals(
        dropped.filter((l) => l.kind === "answer").map((l) => l.reason),
        [
          "the same answer was said within the repeat window",
          "the same answer was said within the repeat window",
        ],
      );
      // Another question is answered at once; after the window the same one is answered again.
      await a.ask("@erin", "when does it end?");
      assert(a.said.some((s) => s.text.startsWith("@erin") && s.text.includes("5:00 pm")));
      await a.advance(31 * 60_000);
      await a.ask("@gus", HOW);
      await a.advance(30_000);
      assertEquals(a.said.filter((s) => isHowAnswer(s.text)).length, 2, "after the window");
    } finally {
      await a.engine.stop();
    }
  } finally {
    await storage.remove();
  }
});

Deno.test("host memory: after a restart, nothing said within the window is said again", async () => {
  const storage = testStorage();
  try {
    const a = await start(storage.env, "2026-03-09T14:00:30-04:00");
    try {
      await a.ask("@dan", HOW);
      await a.advance(8 * 60_000); // idle talk: a dozen lines
    } finally {
      await a.engine.stop();
    }
    assert(a.said.length >= 8, `${a.said.length} lines before the restart`);

    // The same seed after the restart: without its records the host would start its round again.
    const b = await start(storage.env, "2026-03-09T14:09:00-04:00");
    try {
      await b.ask("@erin", HOW);
      await b.advance(8 * 60_000);
    } finally {
      await b.engine.stop();
    }
    assert(b.said.length >= 8, `${b.said.length} lines after the restart`);
    const before = new Set(a.said.map((s) => s.text));
    const repeats = b.said.filter((s) => before.has(s.text));
    assertEquals(repeats.map((s) => s.text), [], "said again within 30 minutes of the first time");
    assert(!b.said.some((s) => isHowAnswer(s.text)), "the answer repeated after the restart");
  } finally {
    await storage.remove();
  }
});
