/**
 * The filtered stream delivers a burst of mentions in order, and they reach the auction in
 * that order: each is counted against the month's reads (a database write) before it is
 * stored, and those writes may finish in any order, so a tweet counted late must not be
 * stored, emitted and decided after a later one (a 1.5 ETH bid decided after a 1.55 one is
 * refused as below the increment).
 */
import { deepStrictEqual } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { eventually } from "../../../core/testing.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

Deno.test("stream: a burst of mentions is stored and emitted in the order it came", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "pro", backfill: true, post: false },
    }, clock);
    const seen: string[] = [];
    engine.bus.on("tweet.received", (e) => void seen.push(e.payload.tweetId));
    await engine.x.idle();
    await eventually(
      () => (served.fake.stats().requests["GET /2/tweets/search/stream"] ?? 0) > 0,
      "the stream is open",
    );
    await eventually(
      () => engine.health().then((h) => h.checks["x.source"].stream === "connected"),
      "connected",
    );
    // No clock movement, so no poll: only the stream delivers these.
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      sent.push(
        served.fake.inject({ author: `@bidder${i}`, text: `@SothebAIs bid ${i + 1} ETH` }).id,
      );
    }
    await eventually(() => seen.length === sent.length, "all delivered by the stream");
    deepStrictEqual(seen, sent);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
