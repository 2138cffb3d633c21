import { deepStrictEqual, ok } from "node:assert/strict";
import { type VirtualClock, virtualClock } from "../../core/clock.ts";
import { testEngine } from "../../tests/engine.ts";
import type { FakeXService } from "../fake-x/mod.ts";
import { createScript, type ScriptOptions, SILENT, type SimTweet } from "./script.ts";

/** A tweet and its time (epoch ms: numbers compare by value, instants do not). */
type Timed = SimTweet & { at: number };

/** A script on `clock` whose tweets land in `tweets` with their time: a quiet crowd but for `set`. */
function scriptOn(clock: VirtualClock, tweets: Timed[], set: Partial<ScriptOptions>) {
  return createScript({
    clock,
    hostHandle: "SothebAIs",
    bidders: 5,
    viewers: 0,
    rates: SILENT,
    outbidResponse: 0,
    maxBidShare: 0,
    cancelMaxShare: 0,
    snipeSecondsBeforeEnd: 0,
    quietSecondsBeforeEnd: 60,
    onlyWhileOpen: true,
    openingWei: 10n ** 18n,
    seed: 1,
    send: (t) => tweets.push({ ...t, at: clock.instant().epochMilliseconds }),
    format: (wei) => (Number(wei / 10n ** 15n) / 1000).toString(),
    ...set,
  });
}

Deno.test("script: Poisson rates, bids above the live minimum, only while open, seeded", async () => {
  const run = async () => {
    const clock = virtualClock("2026-03-08T14:00:00-04:00");
    const tweets: Timed[] = [];
    const script = scriptOn(clock, tweets, {
      viewers: 10,
      rates: { ...SILENT, bidsPerMinute: 6, questionsPerMinute: 2 },
      outbidResponse: 1,
      seed: 7,
    });
    script.start();
    await clock.advance(10 * 60_000);
    const closedBids = tweets.filter((t) => /bid|eth|Ξ/i.test(t.text)).length;
    script.auction({
      auctionId: "a",
      open: true,
      minNextWei: 2n * 10n ** 18n,
      endsAt: clock.instant().add({ hours: 2 }),
      leader: null,
    });
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

Deno.test("plugin: tweets into the fake-x plugin's server, on a port of its own", async () => {
  const engine = await testEngine({
    plugins: {
      "fake-x": {},
      "x-simulator": {
        onlyWhileOpen: false,
        rates: { bidsPerMinute: 600, questionsPerMinute: 300 },
      },
    },
  });
  try {
    const { url } = engine.service<FakeXService>("fake-x");
    ok(/^http:\/\/127\.0\.0\.1:\d+$/.test(url) && !url.endsWith(":8790"), url);
    const deadline = Date.now() + 10_000;
    let tweets: Array<{ text: string }> = [];
    while (Date.now() < deadline && tweets.length < 5) {
      await new Promise((r) => setTimeout(r, 200));
      tweets = (await (await fetch(`${url}/_fake/tweets`)).json()).data;
    }
    ok(tweets.length >= 5, `tweets: ${tweets.length}`);
    ok(tweets.every((t) => t.text.includes("@SothebAIs")));
  } finally {
    await engine.stop();
  }
});

Deno.test("script: one snipe per auction, inside the last seconds, from a bidder not leading", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const tweets: Timed[] = [];
  const script = scriptOn(clock, tweets, { bidders: 3, snipeSecondsBeforeEnd: 20, seed: 3 });
  script.start();
  const endsAt = clock.instant().add({ minutes: 5 });
  const view = { auctionId: "a", open: true, minNextWei: 2n * 10n ** 18n, endsAt, leader: null };
  script.auction({ ...view, leader: "@sim_bidder2" });
  await clock.advance(4 * 60_000);
  // A bid moves the end: the snipe follows it.
  const extended = endsAt.add({ minutes: 1 });
  script.auction({ ...view, endsAt: extended, leader: "@sim_bidder2" });
  await clock.advance(2 * 60_000);
  deepStrictEqual(tweets.length, 1);
  deepStrictEqual(tweets[0].at, extended.subtract({ seconds: 20 }).epochMilliseconds);
  ok(tweets[0].author !== "@sim_bidder2" && /2(\.\d+)?/.test(tweets[0].text), tweets[0].text);
  // Extended by the snipe: no second one for the same auction.
  script.auction({ ...view, endsAt: extended.add({ minutes: 1 }), leader: tweets[0].author });
  await clock.advance(3 * 60_000);
  deepStrictEqual(tweets.length, 1);
  script.stop();
});

Deno.test("script: some bids are maximum bids above the minimum, and some maxima are cancelled", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const tweets: Timed[] = [];
  const script = scriptOn(clock, tweets, {
    bidders: 4,
    rates: { ...SILENT, bidsPerMinute: 6 },
    maxBidShare: 0.25,
    cancelMaxShare: 0.5,
    seed: 5,
  });
  script.start();
  script.auction({
    auctionId: "a",
    open: true,
    minNextWei: 2n * 10n ** 18n,
    endsAt: clock.instant().add({ hours: 2 }),
    leader: null,
  });
  await clock.advance(60 * 60_000);
  script.stop();
  const maxima = tweets.filter((t) => /^@SothebAIs bid max \d/.test(t.text));
  const cancels = tweets.filter((t) => t.text === "@SothebAIs cancel max");
  const plain = tweets.length - maxima.length - cancels.length;
  const share = maxima.length / (maxima.length + plain);
  ok(share > 0.15 && share < 0.35, `maximum bids: ${maxima.length} of ${maxima.length + plain}`);
  for (const m of maxima) {
    const amount = Number(m.text.match(/max (\d+(?:\.\d+)?)/)![1]);
    ok(amount >= 2.2 && amount <= 3, m.text); // 10–50% above the 2 ETH minimum
  }
  ok(cancels.length > 0 && cancels.length < maxima.length, `cancelled: ${cancels.length}`);
  // Each cancel follows a maximum of the same bidder by 10–60 s.
  for (const c of cancels) {
    const after = (m: Timed) => (c.at - m.at) / 1000;
    ok(
      maxima.some((m) => m.author === c.author && after(m) >= 10 && after(m) <= 60),
      `${c.author} at ${c.at}`,
    );
  }
});

Deno.test("script: a scheduled auction's news (a campaign's next day) does not stop the bids on the open one", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const tweets: Timed[] = [];
  const script = scriptOn(clock, tweets, { rates: { ...SILENT, bidsPerMinute: 6 } });
  script.start();
  const today = {
    auctionId: "dawn-2026-03-08",
    open: true,
    minNextWei: 2n * 10n ** 18n,
    endsAt: clock.instant().add({ hours: 2 }),
    leader: null,
  };
  script.auction(today);
  script.auction({ ...today, auctionId: "dawn-2026-03-09", open: false });
  await clock.advance(10 * 60_000);
  ok(tweets.length > 30, `bids on today's lot: ${tweets.length}`);
  script.auction({ ...today, open: false }); // today's lot closes
  const before = tweets.length;
  await clock.advance(10 * 60_000);
  deepStrictEqual(tweets.length, before, "no bids once the lot it follows has closed");
  script.stop();
});
