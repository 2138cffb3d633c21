/**
 * The filtered stream (Pro): mentions arrive without waiting for a poll; a
 * tweet seen by both the stream and the poll is emitted once; tweets missed
 * while the stream is down are found by the poll.
 */
import { deepStrictEqual } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { eventually } from "../../../core/testing.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

Deno.test("stream: mentions arrive at once, each once, and the poll fills any gap", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "pro", backfill: true, post: false },
    }, clock);
    const seen: string[] = [];
    engine.bus.on("tweet.received", (e) => void seen.push(e.payload.text));
    await engine.x.idle();
    const connects = () => served.fake.stats().requests["GET /2/tweets/search/stream"] ?? 0;
    await eventually(() => connects() > 0, "the stream connected", 5000);
    await new Promise((r) => setTimeout(r, 50));

    // No clock movement, so no poll: only the stream can deliver this.
    served.fake.inject({ author: "@alice", text: "@SothebAIs bid 1 ETH" });
    await eventually(() => seen.length === 1, "delivered by the stream", 5000);

    served.fake.disconnectStreams();
    served.fake.inject({ author: "@bob", text: "@SothebAIs bid 2 ETH" });
    served.fake.inject({ author: "@carol", text: "@SothebAIs bid 3 ETH" });
    await clock.advance(5_000); // the next poll
    await engine.x.idle();
    await eventually(() => seen.length === 3, "the poll found what the stream missed", 5000);

    // The library reconnects by itself; then the stream delivers again.
    await eventually(() => connects() >= 2, "the stream reconnected", 15_000);
    await new Promise((r) => setTimeout(r, 50));
    served.fake.inject({ author: "@dave", text: "@SothebAIs bid 4 ETH" });
    await eventually(() => seen.length === 4, "delivered after the reconnect", 5000);
    await clock.advance(5_000);
    await engine.x.idle();
    deepStrictEqual(seen, [
      "@SothebAIs bid 1 ETH",
      "@SothebAIs bid 2 ETH",
      "@SothebAIs bid 3 ETH",
      "@SothebAIs bid 4 ETH",
    ]);
    const health = await engine.health();
    deepStrictEqual(health.checks["x.source"].stream, "connected");
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
