/**
 * The app's own read windows beside the user's, end to end against the fake X server (which keeps
 * a per-user and a per-app window per endpoint, by the Authorization header's kind) on a virtual
 * clock, on Basic (whose per-app number X does not document: the fake assumes the per-user one,
 * the plugin learns it from the headers of one probe): the last minutes read from both windows,
 * every mention once, none lost, no 429; and the hostile cases — a 429 on the app's window does not
 * stop the user's reads, a bearer token X refuses degrades to the user's windows and /healthz says
 * so, an app window whose headers lie or are missing costs at most its own 429s.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import type { FakeXOptions } from "../../../stand-ins/fake-x/fake_x_state.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import {
  BOTH_CREDENTIALS,
  CREDENTIALS_ENV,
  startXEngine,
  type XStorage,
  xStorage,
} from "./x_engine.ts";

const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const I = (s: string) => Temporal.Instant.from(s);
const SEARCH = "GET /2/tweets/search/recent";
const MENTIONS = "GET /2/users/:id/mentions";

async function basic(
  fake: Partial<FakeXOptions> = {},
  x: Record<string, unknown> = {},
  /** A storage kept from an earlier run (a restart); the start (default 13:59, before the lot). */
  run: { storage?: XStorage; start?: string } = {},
) {
  const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
  const clock = virtualClock(T(run.start ?? "13:59:00"));
  const served = serveFakeX({
    now: () => clock.instant().epochMilliseconds,
    tier: "basic",
    ...fake,
  });
  const storage = run.storage ?? xStorage();
  Object.assign(storage.env, CREDENTIALS_ENV);
  const logs: string[] = [];
  const engine = await startXEngine(
    storage,
    {
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
      x: { baseUrl: served.url, tier: "basic", post: false, ...BOTH_CREDENTIALS, ...x },
    },
    clock,
    false,
    (line) => logs.push(line),
  );
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
  const stats = () => served.fake.stats();
  const source = async () => (await engine.health()).checks["x.source"];
  /** A mention every `every` steps of 1 s for `ms`, one in five missing from the timeline. */
  const mentionFor = async (ms: number, every = 6) => {
    const injected: string[] = [];
    await step(ms, 1000, (n) => {
      if (n % every !== 0) return;
      injected.push(
        served.fake.inject({
          author: `@fan${n % 11}`,
          text: `@SothebAIs what a lot! #${n}`,
          missingFromMentions: n % 5 === 0,
        }).id,
      );
    });
    return injected;
  };
  /**
   * Into the last 5 minutes (where search is read: before them its window keeps its reads for
   * them), through the open phase.
   */
  const intoLastMinutes = async () => {
    await clock.advanceTo(I(T("14:00:05")));
    await engine.x.idle();
    await step(25 * 60_000, 10_000);
  };
  const onceEach = (injected: string[]) => {
    const ids = seen.map((t) => t.id);
    deepStrictEqual(new Set(ids).size, ids.length, "nothing read twice");
    for (const id of injected) ok(ids.includes(id), `lost ${id}`);
  };
  return {
    T,
    clock,
    storage,
    logs,
    served,
    engine,
    seen,
    step,
    stats,
    source,
    mentionFor,
    intoLastMinutes,
    onceEach,
    /** Stops the engine and the fake, keeping the storage for a restart. */
    async stopKeeping() {
      await engine.stop();
      await served.stop();
    },
    async stop() {
      await engine.stop();
      await served.stop();
      await storage.remove();
    },
  };
}

const storedLimits = async (s: Awaited<ReturnType<typeof basic>>) =>
  await s.engine.db.query<{ source: string; limit: string; endpoint: string; learned_at: Date }>(
    "select source, limit_value::text as limit, endpoint, learned_at from x_app_limits order by source",
  );

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1];

Deno.test("both windows: the last minutes read as the user and as the app, once each, no 429", async () => {
  const s = await basic();
  try {
    await s.clock.advanceTo(I(T("14:00:05")));
    await s.engine.x.idle();
    await s.step(20 * 60_000, 10_000);
    await s.clock.advanceTo(I(T("14:25:00")));
    await s.engine.x.idle();
    const before = s.stats();
    const injected = await s.mentionFor(290_000);
    await s.step(60_000);
    s.onceEach(injected);
    const after = s.stats();
    deepStrictEqual(after.rateLimited, 0, "no window exceeded");
    const hot = (after.requests[SEARCH] ?? 0) - (before.requests[SEARCH] ?? 0);
    const hotApp = (after.appRequests[SEARCH] ?? 0) - (before.appRequests[SEARCH] ?? 0);
    // More searches than the user's window holds (60), about half of them as the app: one opening
    // of both (the app's limit probed at start, so the planner aligned both to the last minutes).
    ok(hot > 100 && hotApp > 50 && hot - hotApp > 50, `${hot} searches, ${hotApp} as the app`);
    ok((after.appRequests[MENTIONS] ?? 0) > 0, "the timeline read as the app too");
    const late = s.seen.filter((t) => injected.includes(t.id)).map((t) => t.at - t.createdAt);
    ok(p95(late) <= 15_000, `p95 ${p95(late)} ms`);
    const health = await s.source();
    deepStrictEqual(health.app, "in use");
    const app = health.appWindows as Record<string, { limit: number; from: string }>;
    // Learned from X's headers (the fake: Basic's per-app window assumed equal to the user's).
    deepStrictEqual([app.search.limit, app.search.from], [60, "headers"]);
    deepStrictEqual([app.mentions.limit, app.mentions.from], [10, "headers"]);
  } finally {
    await s.stop();
  }
});

Deno.test("the app's windows known (limits.app): one opening of both serves the last minutes whole", async () => {
  const window = (limit: number) => ({ limit, windowSeconds: 900 });
  const s = await basic({}, { limits: { app: { mentions: window(10), search: window(60) } } });
  try {
    await s.clock.advanceTo(I(T("14:00:05")));
    await s.engine.x.idle();
    await s.step(20 * 60_000, 10_000);
    await s.clock.advanceTo(I(T("14:25:00")));
    await s.engine.x.idle();
    const injected = await s.mentionFor(60_000);
    // 118 searches hold the 330 s at one every 3 s: both search windows were opened to reset
    // where the last minutes start (14:25), so they last until 14:40.
    const windows = (await s.source()).windows as Record<string, Array<{ resetAt?: string }>>;
    for (const w of windows.search) {
      deepStrictEqual(w.resetAt?.slice(0, 16), I(T("14:40:00")).toString().slice(0, 16));
    }
    injected.push(...await s.mentionFor(230_000));
    await s.step(60_000);
    s.onceEach(injected);
    deepStrictEqual(s.stats().rateLimited, 0, "no window exceeded");
    const late = s.seen.filter((t) => injected.includes(t.id)).map((t) => t.at - t.createdAt);
    ok(p95(late) <= 15_000, `p95 ${p95(late)} ms`);
  } finally {
    await s.stop();
  }
});

Deno.test("a 429 on the app's window does not stop the user's reads", async () => {
  const s = await basic();
  try {
    await s.intoLastMinutes();
    // The app's search window refuses everything from now (a 429 with its reset, 10 times).
    s.served.fake.fault({ status: 429, times: 10, path: "/2/tweets/search/recent", auth: "app" });
    const userBefore = (s.stats().requests[SEARCH] ?? 0) - (s.stats().appRequests[SEARCH] ?? 0);
    const injected = await s.mentionFor(3 * 60_000, 10);
    await s.step(60_000);
    s.onceEach(injected);
    const stats = s.stats();
    const user = (stats.requests[SEARCH] ?? 0) - (stats.appRequests[SEARCH] ?? 0) - userBefore;
    ok(user >= 8, `${user} searches as the user after the app's 429`);
    // One 429 per app window (it is not asked again before its reset): the window of the phase's
    // first half, and the one opened at its reset mid-way.
    const appLimited = stats.rateLimitedBy[`${SEARCH} (app)`];
    ok(appLimited >= 1 && appLimited <= 2, JSON.stringify(stats.rateLimitedBy));
    deepStrictEqual(stats.rateLimitedBy[SEARCH], undefined, "the user's window never exceeded");
  } finally {
    await s.stop();
  }
});

for (const refuse of [401, 403] as const) {
  Deno.test(`a bearer token X refuses (${refuse}): reads as the user only, /healthz says so`, async () => {
    const s = await basic({ refuseBearer: refuse });
    try {
      await s.intoLastMinutes();
      const injected = await s.mentionFor(3 * 60_000, 10);
      await s.step(30_000);
      s.onceEach(injected);
      const health = await s.source();
      deepStrictEqual([health.app, health.warning, health.ok], ["refused", true, true]);
      ok(String(health.detail).includes("reads as the user only"), String(health.detail));
      const stats = s.stats();
      // Refused once per endpoint, then not asked again within the hour.
      ok((stats.appRequests[SEARCH] ?? 0) <= 1 && (stats.appRequests[MENTIONS] ?? 0) <= 1);
      deepStrictEqual(stats.rateLimited, 0);
    } finally {
      await s.stop();
    }
  });
}

for (const headers of ["missing", "lying"] as const) {
  Deno.test(`an app window whose headers are ${headers}: every mention once, the user's never exceeded`, async () => {
    const s = await basic({ appHeaders: headers });
    try {
      await s.intoLastMinutes();
      const injected = await s.mentionFor(3 * 60_000, 10);
      await s.step(30_000);
      s.onceEach(injected);
      const stats = s.stats();
      deepStrictEqual(stats.rateLimitedBy[SEARCH], undefined, JSON.stringify(stats.rateLimitedBy));
      deepStrictEqual(stats.rateLimitedBy[MENTIONS], undefined);
      // Missing: one probe a window, no 429. Lying: at most one 429 per app window (then it waits a
      // whole window: the reset a day ahead is not believed); two windows each in these 29 min.
      const appLimited = (stats.rateLimitedBy[`${SEARCH} (app)`] ?? 0) +
        (stats.rateLimitedBy[`${MENTIONS} (app)`] ?? 0);
      ok(appLimited <= (headers === "missing" ? 0 : 4), JSON.stringify(stats.rateLimitedBy));
      ok((stats.appRequests[SEARCH] ?? 0) >= 1, "the app's window was used");
      const app = (await s.source()).appWindows as Record<string, { limit: number; from: string }>;
      // Lying (600 on Basic, beyond twice the user's 60): refused with a warning, never stored.
      deepStrictEqual([app.search.limit, app.search.from], [1, "probe"]);
      const refused = s.logs.filter((l) => l.includes("beyond the tier's bound: not believed"));
      if (headers === "lying") {
        ok(
          refused.some((l) => l.includes("x-rate-limit-limit") && l.includes("600")),
          s.logs.join("\n"),
        );
      } else deepStrictEqual(refused, []);
      deepStrictEqual(await storedLimits(s), [], "nothing learned, nothing stored");
    } finally {
      await s.stop();
    }
  });
}

/** At 14:25 (the last minutes' start): both search windows opened together, resetting at 14:40. */
async function bothSearchWindowsServeTheLastMinutes(s: Awaited<ReturnType<typeof basic>>) {
  await s.clock.advanceTo(I(s.T("14:00:05")));
  await s.engine.x.idle();
  await s.step(20 * 60_000, 10_000);
  await s.clock.advanceTo(I(s.T("14:25:00")));
  await s.engine.x.idle();
  const injected = await s.mentionFor(60_000);
  const windows = (await s.source()).windows as Record<
    string,
    Array<{ auth: string; resetAt?: string }>
  >;
  deepStrictEqual(windows.search.map((w) => w.auth), ["user", "app"]);
  for (const w of windows.search) {
    deepStrictEqual(w.resetAt?.slice(0, 16), I(s.T("14:40:00")).toString().slice(0, 16));
  }
  injected.push(...await s.mentionFor(230_000));
  await s.step(60_000);
  s.onceEach(injected);
  deepStrictEqual(s.stats().rateLimited, 0, "no window exceeded");
  const late = s.seen.filter((t) => injected.includes(t.id)).map((t) => t.at - t.createdAt);
  ok(p95(late) <= 15_000, `p95 ${p95(late)} ms`);
}

const searches = (s: Awaited<ReturnType<typeof basic>>) => {
  const stats = s.stats();
  const app = stats.appRequests[SEARCH] ?? 0;
  return { app, user: (stats.requests[SEARCH] ?? 0) - app };
};

Deno.test("a fresh database: the app's search window probed at start, its limit kept; the first lot planned with both", async () => {
  const s = await basic();
  try {
    await s.step(10_000);
    // One search at start, as the app; the user's search window is left for the planner to open.
    deepStrictEqual(searches(s), { app: 1, user: 0 });
    const app = (await s.source()).appWindows as Record<string, { limit: number; from: string }>;
    deepStrictEqual([app.search.limit, app.search.from], [60, "headers"]);
    const rows = await storedLimits(s);
    const search = rows.find((r) => r.source === "search");
    deepStrictEqual([search?.limit, search?.endpoint], ["60", SEARCH]);
    const learnedAt = Temporal.Instant.from(new Date(search!.learned_at).toISOString());
    ok(Temporal.Instant.compare(learnedAt, I(s.T("13:59:00"))) >= 0, String(learnedAt));
    // The timeline's app window, learned at start too (its first read is followed by the app's).
    deepStrictEqual(rows.find((r) => r.source === "mentions")?.limit, "10");
    await bothSearchWindowsServeTheLastMinutes(s);
  } finally {
    await s.stop();
  }
});

Deno.test("a restart with the learned limits stored: no probe, the first lot planned with both windows", async () => {
  // The first run hours before (the lot still ahead), against a fake X of its own.
  const first = await basic({}, {}, { start: "09:00:00" });
  await first.step(10_000);
  deepStrictEqual(searches(first).app, 1);
  await first.stopKeeping();
  const s = await basic({}, {}, { storage: first.storage });
  try {
    await s.step(1000);
    // The planner's view before any search: the app's window at the stored limit.
    const app = (await s.source()).appWindows as Record<string, { limit: number; from: string }>;
    deepStrictEqual([app.search.limit, app.search.from], [60, "stored"]);
    await s.step(10_000);
    deepStrictEqual(searches(s), { app: 0, user: 0 }, "no probe: the limit is known");
    await bothSearchWindowsServeTheLastMinutes(s);
  } finally {
    await s.stop();
  }
});

// 121: sane, but beyond Basic's bound for search (twice the user's documented 60).
for (const hostile of ["-5", "1000000000000", "NaN", "2.5", "121"]) {
  Deno.test(`a stored per-app limit of ${hostile}: ignored with a warning, probed again`, async () => {
    const first = await basic({}, { read: false }, { start: "09:00:00" });
    await first.engine.db.query(
      `insert into x_app_limits (source, limit_value, endpoint, learned_at)
       values ('search', $1::numeric, $2, now()), ('garbage', 60, 'GET /nowhere', now())`,
      [hostile, SEARCH],
    );
    await first.stopKeeping();
    const s = await basic({}, {}, { storage: first.storage });
    try {
      await s.step(10_000);
      const warned = s.logs.filter((l) => l.includes("stored per-app read limit is"));
      deepStrictEqual(warned.length, 2, s.logs.join("\n"));
      ok(warned.some((l) => l.includes(hostile)), warned.join("\n"));
      // Not believed: probed once as the app, learned from X's header, the row replaced.
      deepStrictEqual(searches(s), { app: 1, user: 0 });
      const app = (await s.source()).appWindows as Record<string, { limit: number; from: string }>;
      deepStrictEqual([app.search.limit, app.search.from], [60, "headers"]);
      deepStrictEqual((await storedLimits(s)).find((r) => r.source === "search")?.limit, "60");
    } finally {
      await s.stop();
    }
  });
}

const probeOf = async (s: Awaited<ReturnType<typeof basic>>) => {
  const health = await s.source();
  const probe = (health.appProbe as Record<string, { state: string; tries: number }> | undefined)
    ?.search;
  const app = health.appWindows as Record<string, { limit: number; from: string }>;
  return { probe, warning: health.warning, search: [app.search.limit, app.search.from] };
};

for (const fault of [500, 0, 429] as const) {
  Deno.test(`a probe at start that fails (${fault || "a cut connection"}): retried, backed off, /healthz says so meanwhile`, async () => {
    const s = await basic();
    s.served.fake.fault({ status: fault, times: 1, path: "/2/tweets/search/recent", auth: "app" });
    try {
      await s.step(10_000);
      deepStrictEqual(
        searches(s),
        { app: 1, user: 0 },
        "the probe, and no read as the user for it",
      );
      const failed = await probeOf(s);
      deepStrictEqual([failed.probe?.state, failed.probe?.tries, failed.warning], [
        "retrying",
        1,
        true,
      ]);
      deepStrictEqual(failed.search, [1, "probe"]);
      // A 429 waits for its window's reset (15 min); the others a 30 s back-off.
      const wait = fault === 429 ? 15 * 60_000 : 30_000;
      await s.step(wait - 15_000, 5000);
      deepStrictEqual(searches(s).app, 1, "not retried before its time");
      await s.step(30_000, 5000);
      deepStrictEqual(searches(s).app, 2, "retried once");
      const learned = await probeOf(s);
      deepStrictEqual([learned.probe, learned.warning, learned.search], [
        undefined,
        false,
        [60, "headers"],
      ]);
      deepStrictEqual((await storedLimits(s)).find((r) => r.source === "search")?.limit, "60");
      deepStrictEqual(s.stats().rateLimitedBy[`${SEARCH} (app)`], fault === 429 ? 1 : undefined);
      if (fault !== 429) await bothSearchWindowsServeTheLastMinutes(s);
    } finally {
      await s.stop();
    }
  });
}

Deno.test("an app window that never sends headers: probed at most once a window, given up after the bound", async () => {
  const s = await basic({ appHeaders: "missing" }, {}, { start: "08:00:00" });
  try {
    const at: number[] = [];
    let last = 0;
    await s.step(3 * 3600_000, 10_000, () => {
      const n = searches(s).app;
      if (n > last) at.push(s.clock.instant().epochMilliseconds);
      last = n;
    });
    deepStrictEqual(searches(s), { app: 5, user: 0 }, "PROBE_TRIES reads, none as the user");
    for (let i = 1; i < at.length; i++) ok(at[i] - at[i - 1] >= 15 * 60_000, "one read a window");
    deepStrictEqual(s.stats().rateLimited, 0);
    const gaveUp = await probeOf(s);
    deepStrictEqual([gaveUp.probe?.state, gaveUp.probe?.tries, gaveUp.warning], [
      "given up",
      5,
      true,
    ]);
    deepStrictEqual(await storedLimits(s), []);
  } finally {
    await s.stop();
  }
});
