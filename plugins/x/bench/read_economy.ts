/**
 * Benchmark: the X read economy per tier, against the fake X server enforcing
 * each tier's windows and monthly cap, on a virtual clock.
 *
 * 1. Tweet → decision latency (the tweet's time to the auction's
 *    `bid.accepted` / `bid.rejected`), p50 / p95, in an auction's last 5
 *    minutes and outside them: the whole plugin (fake X → x → auction), a
 *    20-minute auction, a bid every 30 s, then every 5 s in the last 5 minutes
 *    (each bid there extends it, up to 35 min; or no extension: it ends at 20);
 *    posts per 100 bids and the share of outbid bidders and of the winner who
 *    got their notice (the outbox under the tier's posting budget).
 * 2. Reads over a 30-day campaign, 300 mentions a day (a 30-minute auction a
 *    day draws 80 % of them): the planner's schedule (`read_planner.ts`)
 *    against the fake's own count of posts read (deduplicated per day as X
 *    does), per day and per month, against the cap; and the projection the
 *    plugin makes on day 7 (`read_usage.ts`) against the simulated month.
 *    (Part 2 drives the fake directly with the planner's timing, not the whole
 *    plugin: 30 days of a 1-second virtual clock would take hours here.)
 *
 *   deno run -A plugins/x/bench/read_economy.ts [--tiers basic,pro] [--part 1|2|all]
 *     [--extend no|yes|both] [--app no|yes|known|both|all]
 *
 * `--app yes`: part 1 with the app's Bearer token beside the user's tokens, so reads draw on the
 * per-app windows too. The fake's per-app windows are the plugin's documented ones (Pro,
 * pay-per-use: 450 / 15 min), and on Free and Basic, where X documents none, an ASSUMPTION: the
 * same as the per-user ones (`stand-ins/fake-x/tiers.ts`). Part 2 reads as the user only (the
 * month's posts read are the mentions themselves either way: X counts a post once a day).
 * `--app known`: as `yes`, with the per-app windows also set in config (`limits.app`, the fake's
 * numbers), so the planner knows them from the start instead of learning them from X's headers
 * (`yes`: a fresh database each run, so the probe at start; `both`: no, yes; `all`: no, yes, known).
 *
 * Storage as in production: DATABASE_URL set → Postgres, else PGlite.
 */
import { parseArgs } from "node:util";
import { formatEther } from "viem";
import { virtualClock } from "../../../core/clock.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";
import { createFakeX, serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { createFakeXState } from "../../../stand-ins/fake-x/fake_x_state.ts";
import { alignDelay, hotSpan, nextReadDelay, phaseAt, SWEEP_RESERVE } from "../read_planner.ts";
import { projectMonth } from "../read_usage.ts";
import { type Tier, TIER_LIMITS } from "../tier_limits.ts";
import { BOTH_CREDENTIALS, CREDENTIALS_ENV, startXEngine, xStorage } from "../tests/x_engine.ts";

const { values } = parseArgs({
  options: {
    tiers: { type: "string", default: "free,basic,pro,pay-per-use" },
    part: { type: "string", default: "all" },
    /** Part 1's auctions: `no` (ends at 20 min), `yes` (extended to 35 min) or `both`. */
    extend: { type: "string", default: "both" },
    /** Part 1 with the app's bearer token beside the user's (`yes`), without (`no`), or `both`. */
    app: { type: "string", default: "no" },
  },
});
const TIERS = values.tiers!.split(",") as Tier[];
const EXTEND = values.extend === "both" ? [false, true] : [values.extend === "yes"];
type AppMode = "no" | "yes" | "known";
const APP: AppMode[] = values.app === "both"
  ? ["no", "yes"]
  : values.app === "all"
  ? ["no", "yes", "known"]
  : [values.app as AppMode];
const ETH = 10n ** 18n;

const q = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)];
};
const sec = (ms: number) => Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(1)} s`;

/** `extend`: bids in the last 5 minutes extend the auction (up to 35 min); else it ends at 20. */
async function latency(tier: Tier, extend: boolean, mode: AppMode) {
  const app = mode !== "no";
  const start = "2026-03-09T18:59:00-04:00";
  const clock = virtualClock(start);
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier });
  const storage = xStorage();
  if (app) Object.assign(storage.env, CREDENTIALS_ENV);
  const opens = Temporal.Instant.from(start).add({ minutes: 1 });
  const engine = await startXEngine(storage, {
    "funds-book": {},
    auction: {
      auctions: [{
        id: "bench-1",
        item: "Bench #1",
        startsAt: opens.toString(),
        endsAt: opens.add({ minutes: 20 }).toString(),
        maxEndsAt: opens.add({ minutes: extend ? 35 : 20 }).toString(),
        reserve: "1 ETH",
        ingestGraceSeconds: 15,
        extensionWindowSeconds: 300,
      }],
    },
    x: {
      baseUrl: served.url,
      tier,
      publicUrl: "https://bench.example",
      ...(app ? BOTH_CREDENTIALS : {}),
      ...(mode === "known" ? { limits: { app: knownAppLimits(served.fake) } } : {}),
    },
  }, clock);
  const book = engine.service<FundsBook>("funds-book");
  const auctions = engine.service<Auctions>("auctions");
  const bidders = Array.from({ length: 12 }, (_, i) => `@bench${i}`);
  for (const [i, b] of bidders.entries()) {
    await book.link(b, `0x${(i + 1).toString(16).padStart(40, "0")}`, served.fake.user(b).id);
    await book.enter(b, "deposit", 100_000n * ETH);
  }
  const tweets = new Map<string, { at: number; last5: boolean; handle: string }>();
  const decided: Array<{ ms: number; at: number; last5: boolean }> = [];
  const onDecision = (tweetId: string) => {
    const t = tweets.get(tweetId);
    if (!t) return;
    tweets.delete(tweetId);
    decided.push({ ms: clock.instant().epochMilliseconds - t.at, at: t.at, last5: t.last5 });
  };
  engine.bus.on("bid.accepted", (e) => onDecision(e.payload.tweetId));
  engine.bus.on("bid.rejected", (e) => onDecision(e.payload.tweetId));
  let bids = 0;
  let n = 0;
  for (let s = 0; s < 60 * 60; s++) {
    const a = auctions.get("bench-1")!;
    if (a.status === "closed") break;
    const now = clock.instant().epochMilliseconds;
    const left = Date.parse(a.endsAt) - now;
    const every = left <= 300_000 ? 5 : 30;
    if (a.status === "open" && left > 0 && s % every === 0) {
      const handle = bidders[n++ % bidders.length];
      const amount = formatEther(BigInt(a.minNextWei));
      const id = served.fake.inject({ author: handle, text: `@SothebAIs bid ${amount} ETH` }).id;
      tweets.set(id, { at: now, last5: left <= 300_000, handle });
      bids++;
    }
    await clock.advance(1000);
    await engine.x.idle();
    await auctions.idle();
  }
  // Let the outbox work through what the budget allows for another hour.
  for (let m = 0; m < 60; m++) {
    await clock.advance(60_000);
    await engine.x.idle();
  }
  const posts = served.fake.posts();
  // A notice is told when its row went out, or was merged into a row that went out.
  const told = async (kind: string) => {
    const rows = await engine.db.query<{ status: string; carrier: string | null }>(
      `select r.status, c.status as carrier from x_outbox r
         left join x_outbox c on c.id = r.coalesced_into where r.kind = $1`,
      [kind],
    );
    const sent = rows.filter((r) => r.status === "sent" || r.carrier === "sent").length;
    return { sent, of: rows.length };
  };
  const outbid = await told("outbid");
  const won = await told("won");
  const stats = served.fake.stats();
  // The final 5 minutes: before the close as it came (extensions included); "extended": within
  // 5 minutes of the end as it stood then, before the final 5 (the extensions).
  const finalFrom = Date.parse(auctions.get("bench-1")!.endsAt) - 300_000;
  const last5 = decided.filter((d) => d.at >= finalFrom).map((d) => d.ms);
  const extended = decided.filter((d) => d.last5 && d.at < finalFrom).map((d) => d.ms);
  const before = decided.filter((d) => !d.last5).map((d) => d.ms);
  await engine.stop();
  await served.stop();
  await storage.remove();
  return {
    tier,
    bids,
    decided: decided.length,
    extend,
    minutes: Math.round(
      (Date.parse(auctions.get("bench-1")!.endsAt) - opens.epochMilliseconds) / 60_000,
    ),
    last5: { p50: q(last5, 0.5), p95: q(last5, 0.95), n: last5.length },
    extended: { p50: q(extended, 0.5), p95: q(extended, 0.95), n: extended.length },
    before: { p50: q(before, 0.5), p95: q(before, 0.95), n: before.length },
    posts: posts.length,
    per100: Math.round(100 * posts.length / Math.max(1, bids)),
    won,
    outbid,
    rateLimited: stats.rateLimited,
    appReads: (stats.appRequests["GET /2/users/:id/mentions"] ?? 0) +
      (stats.appRequests["GET /2/tweets/search/recent"] ?? 0),
    reads: (stats.requests["GET /2/users/:id/mentions"] ?? 0) +
      (stats.requests["GET /2/tweets/search/recent"] ?? 0),
  };
}

/** The fake's per-app windows as config states them (`limits.app`). */
function knownAppLimits(fake: ReturnType<typeof createFakeX>) {
  const w = (key: string) => {
    const spec = createFakeXState({ tier: fake.options.tier }).tier.appEndpoints[key];
    return { limit: spec.limit, windowSeconds: spec.windowMs / 1000 };
  };
  return { mentions: w("GET /2/users/:id/mentions"), search: w("GET /2/tweets/search/recent") };
}

/** One day: mentions (80 % in the auction 19:00–19:30 ET, 20 % spread), read on the planner's schedule. */
async function campaign(tier: Tier, days = 30, perDay = 300) {
  const limits = TIER_LIMITS[tier];
  let now = Date.parse("2026-05-01T04:00:00Z"); // midnight in New York; May has 31 days
  const fake = createFakeX({ now: () => now, tier });
  const auth = { authorization: 'OAuth oauth_consumer_key="bench"' };
  const since: Record<string, string | undefined> = {};
  const windows: Record<string, { remaining?: number; resetAt?: number }> = {};
  const nextAt: Record<string, number> = { mentions: now, search: now };
  const seenByDay = new Map<string, Set<string>>();
  const daily: number[] = [];
  /** Requests per day, per endpoint (the reads spent against each 15-minute window). */
  const calls = { mentions: [] as number[], search: [] as number[] };
  const requests = (k: string) => fake.stats().requests[k] ?? 0;
  const M = "GET /2/users/:id/mentions", S = "GET /2/tweets/search/recent";
  let projectionOnDay7: number | undefined;
  let pending: number[] = [];
  let capped = false;
  const read = async (source: "mentions" | "search") => {
    for (let token: string | undefined, pages = 0; pages < 20; pages++) {
      // As the plugin does: near the cap, pages no bigger than what is left of it.
      const left = limits.monthlyReads - [...seenByDay.values()].reduce((n, x) => n + x.size, 0);
      const floor = source === "search" ? 10 : 5;
      const params = new URLSearchParams({
        max_results: String(Math.max(floor, Math.min(100, left))),
      });
      if (since[source]) params.set("since_id", since[source]!);
      if (token) params.set(source === "search" ? "next_token" : "pagination_token", token);
      if (source === "search") params.set("query", "@SothebAIs -is:retweet");
      const path = source === "search"
        ? `/2/tweets/search/recent?${params}`
        : `/2/users/${fake.host.id}/mentions?${params}`;
      const res = await fake.fetch(new Request(`http://x${path}`, { headers: auth }));
      const body = await res.json();
      windows[source] = {
        remaining: Number(res.headers.get("x-rate-limit-remaining")),
        resetAt: Number(res.headers.get("x-rate-limit-reset")) * 1000,
      };
      if (res.status !== 200) {
        // The month's cap spent: the plugin pauses reads until the month ends.
        if (String(body.type).includes("usage-capped")) capped = true;
        return;
      }
      const day = new Date(now).toISOString().slice(0, 10);
      const set = seenByDay.get(day) ?? new Set();
      seenByDay.set(day, set);
      for (const t of body.data ?? []) set.add(t.id);
      if (!token && body.meta?.newest_id) since[`${source}:next`] = body.meta.newest_id;
      token = body.meta?.next_token;
      if (!token) break;
    }
    if (since[`${source}:next`]) since[source] = since[`${source}:next`];
  };
  for (let d = 0; d < days; d++) {
    const dayStart = now;
    const opens = dayStart + 19 * 3600_000, ends = opens + 30 * 60_000;
    const auction = {
      status: "open",
      endsAt: ends,
      extensionWindowSeconds: 300,
      ingestGraceSeconds: 15,
    };
    pending = [
      ...Array.from(
        { length: Math.round(perDay * 0.8) },
        (_, i) => opens + (i + 0.5) * (30 * 60_000) / (perDay * 0.8),
      ),
      ...Array.from(
        { length: Math.round(perDay * 0.2) },
        (_, i) => dayStart + (i + 0.5) * 86_400_000 / (perDay * 0.2),
      ),
    ].sort((a, b) => a - b);
    const dayEnd = dayStart + 86_400_000;
    const before = fake.stats().postsRead;
    const callsBefore = { mentions: requests(M), search: requests(S) };
    while (now < dayEnd) {
      const at = Math.min(nextAt.mentions, nextAt.search, pending[0] ?? Infinity, dayEnd);
      now = at;
      while (pending.length && pending[0] <= now) {
        pending.shift();
        fake.inject({
          author: `@fan${Math.floor(Math.random() * 200)}`,
          text: "@SothebAIs bid 1 ETH",
        });
      }
      if (now >= dayEnd) break;
      const status = now < opens ? "scheduled" : now <= ends + 15_000 ? "open" : "closed";
      const { phase, until } = phaseAt(now, [{ ...auction, status }]);
      const hot = hotSpan(now, [{ ...auction, status }]);
      for (const source of ["mentions", "search"] as const) {
        if (nextAt[source] > now) continue;
        const plan = () =>
          nextReadDelay({
            source,
            now,
            phase,
            hotUntil: until,
            nextHot: phase === "hot" ? undefined : hot,
            window: { ...limits[source], ...windows[source] },
            minMs: 1000,
            degrade: 0,
          });
        const delay = plan();
        if (delay === undefined) {
          nextAt[source] = now + 30_000;
          continue;
        }
        // As the plugin does: the read that opens a window, opened to reset mid-way through
        // the hot phase (the timeline waits no longer than its own pace).
        const w = windows[source];
        if (!w?.resetAt || w.resetAt <= now) {
          const wait = alignDelay({
            now,
            hot,
            windowMs: limits[source].windowMs,
            slackMs: source === "mentions" ? delay : limits[source].windowMs,
            holds: limits[source].limit - (source === "search" ? SWEEP_RESERVE : 0),
          });
          if (wait > 0) {
            nextAt[source] = now + wait;
            continue;
          }
        }
        await read(source);
        if (capped) {
          nextAt.mentions = nextAt.search = Infinity;
          break;
        }
        nextAt[source] = now + plan()!;
      }
    }
    now = dayEnd;
    daily.push(fake.stats().postsRead - before);
    calls.mentions.push(requests(M) - callsBefore.mentions);
    calls.search.push(requests(S) - callsBefore.search);
    if (d === 6) {
      // The plugin's projection: what it counted (per day, deduplicated) at the observed rate.
      const used = [...seenByDay.values()].reduce((s, x) => s + x.size, 0);
      projectionOnDay7 =
        projectMonth({ cap: limits.monthlyReads, used, perDay: used / 7, now }).projected;
    }
  }
  const month = daily.reduce((a, b) => a + b, 0);
  return {
    tier,
    cap: limits.monthlyReads,
    perDayMedian: q(daily, 0.5),
    perDayMax: Math.max(...daily),
    callsPerDay: { mentions: q(calls.mentions, 0.5), search: q(calls.search, 0.5) },
    month,
    capped: fake.stats().capped,
    rateLimited: fake.stats().rateLimited,
    projectionOnDay7,
    requests: fake.stats().requests,
  };
}

if (values.part === "all" || values.part === "1") {
  console.log(
    "\n1. tweet → decision, posts per 100 bids, notices (20-min auction, virtual clock)\n",
  );
  console.log(
    "| tier | app | auction | final 5 min p50 / p95 | extensions p50 / p95 | before p50 / p95 | bids | posts / 100 bids | winner told | outbid told | 429s | reads (as the app) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const pair = (x: { p50: number; p95: number; n: number }) =>
    x.n ? `${sec(x.p50)} / ${sec(x.p95)} (n=${x.n})` : "–";
  for (const app of APP) {
    for (const extend of EXTEND) {
      for (const tier of TIERS) {
        const r = await latency(tier, extend, app);
        console.log(
          `| ${tier} | ${app} | ${r.minutes} min${extend ? " (extended)" : ""} | ${
            pair(r.last5)
          } | ${pair(r.extended)} | ${
            pair(r.before)
          } | ${r.bids} (${r.decided} decided) | ${r.per100} | ${r.won.sent} / ${r.won.of} | ${r.outbid.sent} / ${r.outbid.of} | ${r.rateLimited} | ${r.reads} (${r.appReads}) |`,
        );
      }
    }
  }
  console.log(`\nload average: ${Deno.loadavg().map((n) => n.toFixed(2)).join(" ")}`);
}
if (values.part === "all" || values.part === "2") {
  console.log("\n2. 30 days × 300 mentions: posts read (X's count) against the cap\n");
  console.log(
    "| tier | cap | posts read per day (median / max) | month | share of cap | projection on day 7 | projection error | requests per day (timeline / search) | capped 429s | window 429s |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const tier of TIERS) {
    const r = await campaign(tier);
    const err = r.projectionOnDay7 === undefined ? NaN : (r.projectionOnDay7 - r.month) / r.month;
    console.log(
      `| ${tier} | ${r.cap.toLocaleString("en-US")} | ${r.perDayMedian} / ${r.perDayMax} | ${
        r.month.toLocaleString("en-US")
      } | ${(100 * r.month / r.cap).toFixed(1)} % | ${
        r.projectionOnDay7?.toLocaleString("en-US")
      } | ${
        (100 * err).toFixed(1)
      } % | ${r.callsPerDay.mentions} / ${r.callsPerDay.search} | ${r.capped} | ${r.rateLimited} |`,
    );
  }
}
