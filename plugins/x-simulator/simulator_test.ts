import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../core/clock.ts";
import { testEngine } from "../../tests/engine.ts";
import { createScript, type SimTweet } from "./script.ts";

const freePort = () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
};

Deno.test("script: Poisson rates, bids above the live minimum, only while open, seeded", async () => {
  const run = async () => {
    const clock = virtualClock("2026-03-08T14:00:00-04:00");
    const tweets: Array<SimTweet & { at: number }> = [];
    const script = createScript({
      clock,
      hostHandle: "SothebAIs",
      bidders: 5,
      viewers: 10,
      rates: {
        bidsPerMinute: 6,
        questionsPerMinute: 2,
        chatterPerMinute: 0,
        malformedPerMinute: 0,
        commandsPerMinute: 0,
      },
      outbidResponse: 1,
      onlyWhileOpen: true,
      openingWei: 10n ** 18n,
      seed: 7,
      send: (t) => tweets.push({ ...t, at: clock.instant().epochMilliseconds }),
      format: (wei) => (Number(wei / 10n ** 15n) / 1000).toString(),
    });
    script.start();
    await clock.advance(10 * 60_000);
    const closedBids = tweets.filter((t) => /bid|eth|Ξ/i.test(t.text)).length;
    script.auction(true, 2n * 10n ** 18n);
    await clock.advance(60 * 60_000);
    script.outbid("@sim_bidder3");
    await clock.advance(30_000);
    script.stop();
    return { tweets, closedBids };
  };
  const { tweets, closedBids } = await run();
  deepStrictEqual(closedBids, 0, "no bids while the auction is not open");
  const bids = tweets.filter((t) => t.author.startsWith("@sim_bidder"));
  const questions = tweets.filter((t) => t.author.startsWith("@sim_viewer"));
  ok(bids.length > 6 * 60 * 0.7 && bids.length < 6 * 60 * 1.3, `bids in an hour: ${bids.length}`);
  ok(questions.length > 2 * 70 * 0.7 && questions.length < 2 * 70 * 1.3, `${questions.length}`);
  for (const b of bids) {
    const amount = Number(b.text.match(/(\d+(?:\.\d+)?)/)![1]);
    ok(amount >= 2 && amount < 2.2, b.text);
  }
  deepStrictEqual((await run()).tweets, tweets, "the same seed gives the same crowd");
});

Deno.test("plugin: serves the fake X server and tweets into it", async () => {
  const port = freePort();
  const engine = await testEngine({
    plugins: {
      "x-simulator": {
        serve: true,
        baseUrl: `http://127.0.0.1:${port}`,
        onlyWhileOpen: false,
        rates: { bidsPerMinute: 600, questionsPerMinute: 300 },
      },
    },
  });
  try {
    const deadline = Date.now() + 10_000;
    let tweets: Array<{ text: string }> = [];
    while (Date.now() < deadline && tweets.length < 5) {
      await new Promise((r) => setTimeout(r, 200));
      tweets = (await (await fetch(`http://127.0.0.1:${port}/_fake/tweets`)).json()).data;
    }
    ok(tweets.length >= 5, `tweets: ${tweets.length}`);
    ok(tweets.every((t) => t.text.includes("@SothebAIs")));
  } finally {
    await engine.stop();
  }
});
