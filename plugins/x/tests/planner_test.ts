/**
 * The read planner end to end, against the fake X server on a virtual clock:
 * on Basic, an auction's last minutes are read from the timeline and recent
 * search together (each with its own since_id), through 5xx bursts and a page
 * cut off, every mention once and p95 within 15 s (search answers 10 s late at best, as X
 * documents: the hot phase draws on two search windows), no limit exceeded; a 429 waits
 * exactly until its reset (without the header: the endpoint's window); X's
 * error 226 pauses reading for long and /healthz says so; the month's cap is
 * projected and, once spent, reported.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const I = (s: string) => Temporal.Instant.from(s);

async function basic(x: Record<string, unknown> = {}, fake: Record<string, unknown> = {}) {
  const clock = virtualClock(T("13:59:00"));
  const served = serveFakeX({
    now: () => clock.instant().epochMilliseconds,
    tier: "basic",
    ...fake,
  });
  const storage = xStorage();
  const engine = await startXEngine(storage, {
    "funds-book": {},
    auction: {
      auctions: [{
        id: "lot-1",
        item: "Lot #1",
        startsAt: T("14:00:00"),
        endsAt: T("14:30:00"),
        reserve: "1 ETH",
        ingestGraceSeconds: 30,
        extensionWindowSeconds: 300,
      }],
    },
    x: { baseUrl: served.url, tier: "basic", post: false, ...x },
  }, clock);
  const seen: Array<{ id: string; at: number; createdAt: number }> = [];
  engine.bus.on("tweet.received", (e) => {
    seen.push({
      id: e.payload.tweetId,
      at: clock.instant().epochMilliseconds,
      createdAt: Temporal.Instant.from(e.payload.createdAt).epochMilliseconds,
    });
  });
  const step = async (ms: number, every = 1000, each?: (n: number) => void) => {
    for (let n = 0; n * every < ms; n++) {
      each?.(n);
      await clock.advance(every);
      await engine.x.idle();
    }
  };
  const requests = (key: string) => served.fake.stats().requests[key] ?? 0;
  return {
    clock,
    served,
    engine,
    seen,
    step,
    requests,
    async stop() {
      await engine.stop();
      await served.stop();
      await storage.remove();
    },
  };
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1];

Deno.test("Basic, last 5 minutes: timeline + search, faults, every mention once, p95 within 15 s", async () => {
  const s = await basic();
  try {
    await s.clock.advanceTo(I(T("14:00:05")));
    await s.engine.x.idle();
    await s.step(20 * 60_000, 10_000);
    const injected: string[] = [];
    const search = "/2/tweets/search/recent";
    const mentions = `/2/users/${s.served.fake.host.id}/mentions`;
    // The last 5 minutes: a mention every 6 s, one in five dropped by the timeline.
    await s.clock.advanceTo(I(T("14:25:00")));
    await s.engine.x.idle();
    const searchesBefore = s.requests(`GET ${search}`);
    s.served.fake.fault({ status: 503, times: 3, path: search, after: 5 });
    s.served.fake.fault({ status: 0, times: 1, path: mentions, after: 1 });
    s.served.fake.fault({ status: 0, times: 1, path: search, after: 12 });
    await s.step(290_000, 1000, (n) => {
      if (n % 6 !== 0) return;
      injected.push(
        s.served.fake.inject({
          author: `@fan${n % 11}`,
          text: `@SothebAIs what a lot! #${n}`,
          missingFromMentions: n % 5 === 0,
        }).id,
      );
    });
    await s.step(60_000);
    const ids = s.seen.map((t) => t.id);
    deepStrictEqual(new Set(ids).size, ids.length, "nothing read twice");
    for (const id of injected) ok(ids.includes(id), `lost ${id}`);
    const late = s.seen.filter((t) => injected.includes(t.id)).map((t) => t.at - t.createdAt);
    // Search answers nothing newer than 10 s (X's documented end_time bound; the plugin asks
    // 11 s, whole seconds, exclusive: 12 s), read every ~3 s from two windows (one opened to
    // reset mid-way through the phase), through the faults' back-off: p95 at most 15 s.
    ok(p95(late) <= 15_000, `p95 ${p95(late)} ms`);
    // Two windows served the phase: more searches in it than one window holds.
    const hotSearches = s.requests(`GET ${search}`) - searchesBefore;
    ok(hotSearches > 60, `${hotSearches} searches in the last minutes`);
    const stats = s.served.fake.stats();
    deepStrictEqual(stats.rateLimited, 0, "no window exceeded");
    ok(stats.faults >= 5, JSON.stringify(stats));
    ok(s.requests("GET /2/users/:id/mentions") > 0 && s.requests(`GET ${search}`) > 0);
    const health = await s.engine.health();
    const sources = health.checks["x.source"].sources as Record<string, { sinceId?: string }>;
    ok(sources.mentions.sinceId && sources.search.sinceId, JSON.stringify(sources));
  } finally {
    await s.stop();
  }
});

Deno.test("a 429 waits exactly until x-rate-limit-reset; without the header, the endpoint's window", async () => {
  const s = await basic({ search: false });
  try {
    const key = "GET /2/users/:id/mentions";
    const mentions = `/2/users/${s.served.fake.host.id}/mentions`;
    await s.engine.x.idle();
    const t0 = s.clock.instant().epochMilliseconds; // the window's first request
    const n0 = s.requests(key);
    // One read at the start: the phase changes (idle → pre, pre → open at 14:00) read no sooner
    // than the pace says (a read per change took reads from the open phase's window).
    deepStrictEqual(n0, 1);
    s.served.fake.fault({ status: 429, times: 1, path: mentions });
    // Before and as the auction opens: one read per ~100 s (9 left of the window's 10 after the
    // first); the next one draws the 429.
    let waited = 0;
    while (s.requests(key) < n0 + 1 && waited < 120_000) {
      await s.step(1000);
      waited += 1000;
    }
    deepStrictEqual(s.requests(key), n0 + 1);
    ok(waited > 60_000 && waited <= 101_000, `the next read after ${waited} ms`);
    const reset = t0 + 15 * 60_000;
    await s.clock.advanceTo(Temporal.Instant.fromEpochMilliseconds(reset - 1000));
    await s.engine.x.idle();
    deepStrictEqual(s.requests(key), n0 + 1, "nothing before the reset");
    await s.clock.advanceTo(Temporal.Instant.fromEpochMilliseconds(reset));
    await s.engine.x.idle();
    deepStrictEqual(s.requests(key), n0 + 2, "read at the reset");

    s.served.fake.fault({ status: 429, times: 1, path: mentions, noReset: true });
    while (s.requests(key) < n0 + 3) await s.step(1000);
    const t1 = s.clock.instant().epochMilliseconds;
    await s.clock.advanceTo(Temporal.Instant.fromEpochMilliseconds(t1 + 15 * 60_000 - 1000));
    await s.engine.x.idle();
    deepStrictEqual(s.requests(key), n0 + 3, "no header: the endpoint's 15-minute window");
    await s.step(2000);
    deepStrictEqual(s.requests(key), n0 + 4);
  } finally {
    await s.stop();
  }
});

Deno.test("error 226: reads pause for long, /healthz says so, nothing is lost", async () => {
  const s = await basic({ search: false, backfill: true });
  try {
    const key = "GET /2/users/:id/mentions";
    await s.engine.x.idle();
    s.served.fake.fault({ status: 226, times: 1, path: `/2/users/${s.served.fake.host.id}` });
    const id = s.served.fake.inject({ author: "@alice", text: "@SothebAIs hello?" }).id;
    while (s.served.fake.stats().faults < 1) await s.step(10_000, 10_000);
    const at = s.requests(key);
    const health = await s.engine.health();
    deepStrictEqual(health.checks["x.source"].ok, false);
    ok(String(health.checks["x.source"].detail).includes("226"), health.checks["x.source"].detail);
    await s.step(14 * 60_000, 30_000);
    deepStrictEqual(s.requests(key), at, "no reads during the pause");
    await s.step(2 * 60_000, 10_000);
    ok(s.requests(key) > at);
    deepStrictEqual(s.seen.map((t) => t.id), [id]);
    deepStrictEqual((await s.engine.health()).checks["x.source"].ok, true);
  } finally {
    await s.stop();
  }
});

Deno.test("the month's cap: projected on /healthz, and once spent, reported and waited out", async () => {
  const s = await basic(
    { search: false, backfill: true, limits: { monthlyReads: 30 }, expectedMentionsPerDay: 10 },
    { monthlyReads: 30 },
  );
  try {
    for (let i = 0; i < 20; i++) {
      s.served.fake.inject({ author: `@a${i}`, text: `@SothebAIs hi ${i}` });
    }
    await s.step(200_000, 10_000);
    let reads = (await s.engine.health()).checks["x.reads"];
    deepStrictEqual(reads.used, 20);
    // March 8th, 20 of 30 read, 10 a day expected: the cap runs out on day 9.
    // 30 reads a month cannot run a show either, and /healthz says that first.
    ok(
      String(reads.detail).endsWith(
        "; Basic: 30 posts read a month; at 10 mentions a day the cap runs out on day 9",
      ),
      String(reads.detail),
    );
    ok(String(reads.detail).startsWith("the basic tier cannot run a live auction: 30 posts read"));
    deepStrictEqual([reads.ok, reads.warning], [true, true], "a warning, not an outage");
    for (let i = 0; i < 15; i++) {
      s.served.fake.inject({ author: `@b${i}`, text: `@SothebAIs yo ${i}` });
    }
    await s.step(20 * 60_000, 30_000);
    reads = (await s.engine.health()).checks["x.reads"];
    // Never over the cap: the last page asked for only the 10 posts left of it.
    deepStrictEqual([reads.used, s.served.fake.stats().postsRead], [30, 30]);
    // That page waits in its read cycle (the older ones are not read yet): nothing is skipped.
    deepStrictEqual(s.seen.length, 20);
    ok(String(reads.detail).includes("the cap is spent"), reads.detail);
    deepStrictEqual(reads.ok, false);
    const source = (await s.engine.health()).checks["x.source"];
    deepStrictEqual(source.ok, false);
    ok(String(source.detail).includes("monthly cap"), source.detail);
    deepStrictEqual(s.served.fake.stats().capped, 1, "asked once, then waited for the month");
  } finally {
    await s.stop();
  }
});
