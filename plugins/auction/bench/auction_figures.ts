/**
 * Auction benchmarks (a script: `deno run -A plugins/auction/bench/auction_figures.ts`):
 * 1. decisions/s sustained, durable before announced (Postgres when DATABASE_URL is set,
 *    else PGlite): each decision its own transaction, then bursts in commit groups of 50;
 * 2. decision latency (receipt → announced) at 100 bids/s: p50 / p95 / p99;
 * 3. one full auction day rehearsed (`rehearse`, embedded storage): wall time.
 */
import { rehearse } from "../rehearse.ts";
import { auctionEngine, testStorage } from "../test_engine.ts";

const ETH = 10n ** 18n;
const HANDLES = Array.from({ length: 20 }, (_, i) => `@bidder${i}`);
const ADDR = "0x00000000000000000000000000000000000000a1";
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function engineWithBidders(commitGroup = 1) {
  const storage = testStorage();
  const now = Temporal.Now.instant();
  const engine = await auctionEngine(storage, {
    watermark: "clock",
    commitGroup,
    rateLimit: { bids: 100, perSeconds: 1 },
    auctions: [{
      id: "bench-1",
      item: "Bench #1",
      startsAt: now.subtract({ minutes: 1 }).toString(),
      endsAt: now.add({ hours: 2 }).toString(),
      reserve: "0.001 ETH",
      minIncrementBps: 10,
      minIncrement: "1",
    }],
  });
  for (const h of HANDLES) {
    await engine.book.link(h, ADDR);
    await engine.book.enter(h, "deposit", 1_000_000n * ETH);
  }
  return { engine, storage };
}

// A price walk: most bids raise it (accepted), some fall short (rejected).
function bidStream() {
  let price = 1_000_000n; // in micro-ETH
  let id = 1_000_000;
  const start = Temporal.Now.instant();
  return () => {
    price = Math.random() < 0.6 ? price + price / 500n + 1n : price - price / 100n;
    return {
      tweetId: String(id++),
      handle: HANDLES[id % HANDLES.length],
      text: `bid ${price / 1_000_000n}.${String(price % 1_000_000n).padStart(6, "0")}`,
      // Tweets 1 ms apart (100 ms apart per bidder): the rate limit never binds.
      tweetAt: start.add({ milliseconds: id - 1_000_000 }).toString(),
    };
  };
}

async function throughput(n: number, commitGroup: number) {
  const { engine, storage } = await engineWithBidders(commitGroup);
  try {
    const next = bidStream();
    let decided = 0;
    engine.bus.on("bid.accepted", () => void decided++);
    engine.bus.on("bid.rejected", () => void decided++);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) engine.bus.emit("bid.submitted", next());
    await engine.auctions.idle();
    const seconds = (performance.now() - t0) / 1000;
    const rows = await engine.db.query<{ n: string }>("select count(*) as n from auction_bids");
    console.log(
      `throughput (${engine.db.kind}, commitGroup ${commitGroup}): ${decided} decisions in ${
        seconds.toFixed(2)
      } s = ` +
        `${Math.round(decided / seconds)} decisions/s (${rows[0].n} rows committed)`,
    );
  } finally {
    await engine.stop();
    await storage.remove();
  }
}

async function latency(perSecond: number, seconds: number) {
  const { engine, storage } = await engineWithBidders();
  try {
    const next = bidStream();
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    const done = (e: { payload: { tweetId: string } }) => {
      const t = sentAt.get(e.payload.tweetId);
      if (t !== undefined) lat.push(performance.now() - t);
    };
    engine.bus.on("bid.accepted", done);
    engine.bus.on("bid.rejected", done);
    // Bids arrive one by one, evenly spaced (a stream, not batches).
    const gap = 1000 / perSecond;
    const t0 = performance.now();
    for (let i = 0; i < perSecond * seconds; i++) {
      const wait = t0 + i * gap - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const bid = next();
      sentAt.set(bid.tweetId, performance.now());
      engine.bus.emit("bid.submitted", bid);
    }
    await engine.auctions.idle();
    console.log(
      `latency (${engine.db.kind}) at ${perSecond} bids/s over ${seconds} s, ${lat.length} bids: ` +
        `p50 ${ms(quantile(lat, 0.5))}, p95 ${ms(quantile(lat, 0.95))}, ` +
        `p99 ${ms(quantile(lat, 0.99))}, max ${ms(Math.max(...lat))}`,
    );
  } finally {
    await engine.stop();
    await storage.remove();
  }
}

async function fullDay(bids: number) {
  const day = "2026-06-20";
  const start = Temporal.Instant.from(`${day}T14:00:00-04:00`);
  const events = [];
  let price = 1000n; // milli-ETH
  for (let i = 0; i < bids; i++) {
    price = Math.random() < 0.6 ? price + price / 20n + 1n : price - 10n;
    events.push({
      at: start.add({ seconds: Math.floor((i * 7200) / bids) }).toString(),
      tweet: {
        id: String(100000 + i),
        author: HANDLES[i % HANDLES.length],
        text: `@SothebAIs bid ${price / 1000n}.${String(price % 1000n).padStart(3, "0")}`,
      },
    });
  }
  const scenario = {
    auction: {
      id: "day-1",
      item: "A full day",
      startsAt: `${day}T14:00:00-04:00`,
      endsAt: `${day}T16:00:00-04:00`,
      maxEndsAt: `${day}T17:00:00-04:00`,
      reserve: "1 ETH",
      minIncrementBps: 100,
    },
    rateLimit: { bids: 1000, perSeconds: 60 },
    wallets: HANDLES.map((handle) => ({ handle, address: ADDR, deposit: "1000000 ETH" })),
    events,
  };
  const t0 = performance.now();
  let lines = 0;
  // The auction's decisions only: this figure is the auction's, the host has its own bench.
  await rehearse(scenario, () => void lines++, { host: false });
  console.log(
    `full day rehearsed: ${bids} bids, ${lines} lines in ${
      ((performance.now() - t0) / 1000).toFixed(2)
    } s ` +
      `(PGlite boot included)`,
  );
}

const arg = (name: string, dflt: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
await throughput(arg("decisions", 5000), 1);
await throughput(arg("decisions", 5000), 50);
await latency(100, arg("seconds", 10));
await fullDay(0); // the fixed cost: engine boot on a fresh PGlite folder
await fullDay(arg("day-bids", 2000));
Deno.exit(0);
