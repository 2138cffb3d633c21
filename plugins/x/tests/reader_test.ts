/**
 * The mention reader against the fake X server: every mention once, in tweet
 * order, across pages, forced 429s and 5xx, dropped connections and restarts.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import type { BusEvent } from "../../../core/bus.ts";
import { virtualClock } from "../../../core/clock.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const START = "2026-03-08T14:00:00-04:00";

function setup() {
  const clock = virtualClock(START);
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "basic" });
  const storage = xStorage();
  const config = {
    baseUrl: served.url,
    tier: "basic",
    backfill: true,
    post: false,
    ingestLagMs: 2000,
  };
  return { clock, served, storage, config };
}

const tweet = (n: number) => ({ author: `@user${n % 7}`, text: `@SothebAIs bid ${n}.5 ETH #${n}` });

Deno.test("mentions are read once each, in id order, across pages, 429s, 5xx and restarts", async () => {
  const { clock, served, storage, config } = setup();
  const seen: string[] = [];
  const watermarks: string[] = [];
  const injected: string[] = [];
  const listen = (e: BusEvent) => {
    if (e.type === "tweet.received") seen.push((e.payload as { tweetId: string }).tweetId);
    if (e.type === "tweets.read-through") watermarks.push((e.payload as { until: string }).until);
  };
  try {
    for (let n = 0; n < 250; n++) injected.push(served.fake.inject(tweet(n)).id);
    const mentions = `/2/users/${served.fake.host.id}/mentions`;
    // Page 1 fails with a 503; after the backoff, page 2 gets a 429: the cycle keeps page 1.
    served.fake.fault({ status: 503, times: 1, path: mentions });
    served.fake.fault({ status: 429, times: 1, path: mentions, after: 1 });
    let engine = await startXEngine(storage, { x: config }, clock);
    engine.bus.on("*", listen);
    await engine.x.idle();
    deepStrictEqual(served.fake.stats().faults, 1);
    await clock.advance(2_000);
    await engine.x.idle();
    deepStrictEqual(served.fake.stats().faults, 2);
    deepStrictEqual(seen.length, 0, "nothing is emitted before the cycle is complete");
    await clock.advance(90_000);
    await engine.x.idle();
    deepStrictEqual(seen.length, 0, "still waiting for the window to reset");
    await clock.advance(15 * 60_000);
    await engine.x.idle();
    deepStrictEqual(seen, injected, "all 250, in id order, once");
    ok(watermarks.length >= 1);

    // A dropped connection, then new tweets, then a restart in the middle.
    for (let n = 250; n < 300; n++) injected.push(served.fake.inject(tweet(n)).id);
    served.fake.fault({ status: 0, times: 1, path: mentions });
    await clock.advance(16 * 60_000);
    await engine.x.idle();
    await clock.advance(60_000);
    await engine.x.idle();
    deepStrictEqual(seen, injected);
    await engine.stop();

    for (let n = 300; n < 420; n++) injected.push(served.fake.inject(tweet(n)).id);
    engine = await startXEngine(storage, { x: config }, clock);
    engine.bus.on("*", listen);
    await clock.advance(16 * 60_000);
    await engine.x.idle();
    await clock.advance(16 * 60_000);
    await engine.x.idle();
    deepStrictEqual(seen, injected, "after a restart: no repeat, no loss");
    deepStrictEqual(new Set(seen).size, seen.length);
    // The watermark never goes back and trails the clock by the ingest lag.
    const times = watermarks.map((w) => Temporal.Instant.from(w).epochMilliseconds);
    ok(times.every((t, i) => i === 0 || t >= times[i - 1]));
    const stats = served.fake.stats();
    ok(stats.rateLimited >= 1 && stats.faults >= 3, JSON.stringify(stats));
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});

Deno.test("with no auction open, reads go at half the tier's pace, never a 429 by itself", async () => {
  const { clock, served, storage, config } = setup();
  try {
    const engine = await startXEngine(storage, { x: config }, clock);
    // Basic: 10 reads / 15 min; outside auctions one every 3 min. No 429 in two hours.
    for (let i = 0; i < 120; i++) {
      if (i % 10 === 0) served.fake.inject(tweet(i));
      await clock.advance(60_000);
      await engine.x.idle();
    }
    const stats = served.fake.stats();
    const reads = stats.requests["GET /2/users/:id/mentions"];
    deepStrictEqual(stats.rateLimited, 0);
    ok(reads >= 38 && reads <= 42, `reads in 2 h: ${reads}`); // ≈ one per 180 s
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});

Deno.test("without backfill, the first run starts from now", async () => {
  const { clock, served, storage, config } = setup();
  try {
    served.fake.inject({ author: "@old", text: "@SothebAIs bid 1 ETH" });
    await clock.advance(10_000);
    const engine = await startXEngine(storage, { x: { ...config, backfill: false } }, clock);
    const seen: string[] = [];
    engine.bus.on("tweet.received", (e) => void seen.push(e.payload.text));
    await engine.x.idle();
    served.fake.inject({ author: "@new", text: "@SothebAIs bid 2 ETH" });
    await clock.advance(200_000); // no auction open: a read every 180 s
    await engine.x.idle();
    deepStrictEqual(seen, ["@SothebAIs bid 2 ETH"]);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});

Deno.test("without backfill, a first read that finds nothing does not move the start", async () => {
  const { clock, served, storage, config } = setup();
  try {
    const engine = await startXEngine(storage, { x: { ...config, backfill: false } }, clock);
    const seen: string[] = [];
    engine.bus.on("tweet.received", (e) => void seen.push(e.payload.text));
    await engine.x.idle(); // the first read: nothing there yet
    await clock.advance(10_000);
    served.fake.inject({ author: "@early", text: "@SothebAIs bid 3 ETH" });
    await clock.advance(200_000); // no auction open: a read every 180 s
    await engine.x.idle();
    deepStrictEqual(seen, ["@SothebAIs bid 3 ETH"]);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});

Deno.test("a tweet is marked handled only once the auction has decided it: a crash before re-emits it", async () => {
  const { clock, served, storage, config } = setup();
  try {
    // The engine gives the tables; the readers under test are built here, like the plugin does.
    const engine = await startXEngine(storage, { x: { ...config, read: false } }, clock);
    const { createMentionReader } = await import("../mention_reader.ts");
    const { createXApi } = await import("../x_api.ts");
    const api = createXApi(served.url, { bearerToken: "t" });
    let decide = () => {};
    const decided = new Promise<void>((r) => (decide = r));
    const reader = (seen: string[], settled?: () => Promise<void>) =>
      createMentionReader({
        db: engine.db,
        api,
        clock,
        log: engine.log,
        accountId: served.fake.host.id,
        hostHandle: "@SothebAIs",
        source: "mentions",
        backfill: true,
        ingestLagMs: 2000,
        tierIntervalMs: 90_000,
        minIntervalMs: 1000,
        onTweet: (t) => void seen.push(t.id),
        settled,
        onReadThrough: () => {},
      });
    const id = served.fake.inject(tweet(1)).id;
    const first: string[] = [];
    const polling = reader(first, () => decided).poll();
    for (let i = 0; i < 50 && !first.length; i++) await new Promise((r) => setTimeout(r, 20));
    deepStrictEqual(first, [id]);
    const handled = () =>
      engine.db.query<{ handled: boolean }>("select handled from x_tweets where tweet_id = $1", [
        id,
      ]);
    deepStrictEqual(await handled(), [{ handled: false }], "not handled while undecided");
    // "A crash": another reader on the same rows emits it again.
    const second: string[] = [];
    await reader(second).drain();
    deepStrictEqual(second, [id]);
    decide();
    await polling;
    deepStrictEqual(await handled(), [{ handled: true }]);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
