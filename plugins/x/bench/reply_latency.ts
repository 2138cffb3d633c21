/**
 * Benchmark: decision → reply latency and posts used per 100 bids, through the
 * whole pipeline (fake X server → x plugin → auction → outbox → fake X server),
 * on the real clock, for three posting budgets.
 *
 *   deno run -A plugins/x/bench/reply_latency.ts [--bids 100] [--rate 10]
 *
 * Storage as in production: DATABASE_URL set → Postgres, else PGlite.
 */
import { parseArgs } from "node:util";
import { quantile } from "../../../core/metrics.ts";
import type {} from "../../auction/mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "../tests/x_engine.ts";

const { values } = parseArgs({
  options: { bids: { type: "string", default: "100" }, rate: { type: "string", default: "10" } },
});
const BIDS = Number(values.bids);
const RATE = Number(values.rate); // bids per second
const ETH = 10n ** 18n;

interface Result {
  scenario: string;
  decisions: number;
  replied: number;
  p50: number;
  p95: number;
  max: number;
  posts: number;
  postsPer100Bids: number;
  tweetToReplyP50: number;
}

async function scenario(
  name: string,
  x: Record<string, unknown>,
  fake: Parameters<typeof serveFakeX>[0],
) {
  const served = serveFakeX(fake);
  const storage = xStorage();
  const now = Temporal.Now.instant();
  const engine = await startXEngine(storage, {
    "funds-book": {},
    auction: {
      auctions: [{
        id: "bench-1",
        item: "Bench #1",
        startsAt: now.subtract({ minutes: 1 }).toString(),
        endsAt: now.add({ minutes: 30 }).toString(),
        reserve: "1 ETH",
      }],
    },
    x: { baseUrl: served.url, minPollMs: 250, ingestLagMs: 0, ...x },
  });
  const book = engine.service<FundsBook>("funds-book");
  const bidders = Array.from({ length: 20 }, (_, i) => `@bench${i}`);
  for (const [i, b] of bidders.entries()) {
    await book.link(b, `0x${(i + 1).toString(16).padStart(40, "0")}`);
    await book.enter(b, "deposit", 1000n * ETH);
  }
  const decidedAt = new Map<string, number>();
  const tweetedAt = new Map<string, number>();
  const repliedAt = new Map<string, number>();
  engine.bus.on("bid.accepted", (e) => void decidedAt.set(e.payload.tweetId, performance.now()));
  engine.bus.on("bid.rejected", (e) => void decidedAt.set(e.payload.tweetId, performance.now()));
  served.fake.options.onPost = (t) => {
    const to = t.referenced_tweets?.[0]?.id;
    // The answer to a bid: its ack, the "new leader" post that merged it, or its refusal.
    if (
      to && !repliedAt.has(to) && !t.text.includes("you've been outbid") &&
      !t.text.includes("so close")
    ) {
      repliedAt.set(to, performance.now());
    }
  };
  // The bids: mostly valid raises, one in ten below the increment.
  let price = 1000n; // milli-ETH
  for (let i = 0; i < BIDS; i++) {
    const below = i % 10 === 9;
    const amount = below ? price + 1n : (i === 0 ? price : (price * 106n + 99n) / 100n);
    if (!below) price = amount;
    const t = served.fake.inject({
      author: bidders[i % bidders.length],
      text: `@SothebAIs bid ${Number(amount) / 1000} ETH`,
    });
    tweetedAt.set(t.id, performance.now());
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  // Let reading, deciding and posting finish.
  const quietFor = 12_000;
  let last = served.fake.posts().length;
  let stableSince = performance.now();
  while (performance.now() - stableSince < quietFor) {
    await new Promise((r) => setTimeout(r, 500));
    const n = served.fake.posts().length;
    if (n !== last) [last, stableSince] = [n, performance.now()];
  }
  const lat = [...repliedAt].filter(([id]) => decidedAt.has(id)).map(([id, at]) =>
    at - decidedAt.get(id)!
  ).sort((a, b) => a - b);
  const e2e = [...repliedAt].filter(([id]) => tweetedAt.has(id)).map(([id, at]) =>
    at - tweetedAt.get(id)!
  ).sort((a, b) => a - b);
  const posts = served.fake.posts().length;
  await engine.stop();
  await served.stop();
  await storage.remove();
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    scenario: name,
    decisions: decidedAt.size,
    replied: lat.length,
    p50: round(quantile(lat, 0.5)),
    p95: round(quantile(lat, 0.95)),
    max: round(lat.at(-1) ?? 0),
    posts,
    postsPer100Bids: round(posts / BIDS * 100),
    tweetToReplyP50: round(quantile(e2e, 0.5)),
  } satisfies Result;
}

const results: Result[] = [];
results.push(
  await scenario("budget allows (10k posts / 15 min)", {
    tier: "pro",
    postLimits: [{ limit: 10_000, windowSeconds: 900 }],
  }, { tier: "pro", limits: { "POST /2/tweets": { limit: 10_000, windowMs: 900_000 } } }),
);
results.push(await scenario("Pro tier (100 posts / 15 min)", { tier: "pro" }, { tier: "pro" }));
results.push(
  await scenario("Basic tier (100 posts / 24 h)", { tier: "basic" }, {
    tier: "pro",
    postsPerDay: 100,
  }),
);

console.log(
  `\n${BIDS} bids at ${RATE}/s, ${Deno.env.get("DATABASE_URL") ? "Postgres" : "PGlite"}; ` +
    `latency = bus decision → reply accepted by (fake) X, ms\n`,
);
console.log(
  "scenario                              decisions  replied   p50     p95     max    posts/100 bids  tweet→reply p50",
);
for (const r of results) {
  console.log(
    `${r.scenario.padEnd(38)}${String(r.decisions).padStart(9)}${String(r.replied).padStart(9)}` +
      `${String(r.p50).padStart(8)}${String(r.p95).padStart(8)}${String(r.max).padStart(8)}` +
      `${String(r.postsPer100Bids).padStart(16)}${String(r.tweetToReplyP50).padStart(17)}`,
  );
}
