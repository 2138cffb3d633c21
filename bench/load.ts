/**
 * Load benchmark (a script: `deno run -A bench/load.ts`): a real engine (`main.ts start`, the x
 * plugin reading a fake X, the auction, the funds book) on Postgres (`DATABASE_URL`, a schema of
 * its own), bidders tweeting at a steady rate while viewers read the public lot page and hold the
 * live updates (SSE) open. Prints decisions per second sustained, decision latency (the engine's:
 * received → decided; and the bidder's: tweeted → decided, which includes X's polling) p50 / p95 /
 * p99, viewers' HTTP p50 / p99 and errors, and the invariants (each tweet decided once, amounts
 * rising, no post twice). Sizes from the environment: BIDDERS (100), BIDS_PER_SECOND (10),
 * SECONDS (60), VIEWERS (200), LIVE_VIEWERS (50). The stream is not part of it (bench/soak.ts).
 */
import { bidShow } from "../tests/bid_show.ts";

const env = (name: string, fallback: number) => Number(Deno.env.get(name) ?? fallback);
const BIDDERS = env("BIDDERS", 100);
const RATE = env("BIDS_PER_SECOND", 10);
const SECONDS = env("SECONDS", 60);
const VIEWERS = env("VIEWERS", 200);
const LIVE_VIEWERS = env("LIVE_VIEWERS", 50);
const url = Deno.env.get("DATABASE_URL");
if (!url) throw new Error("set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)");

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const spread = (xs: number[]) =>
  `p50 ${quantile(xs, 0.5).toFixed(0)} ms, p95 ${quantile(xs, 0.95).toFixed(0)} ms, p99 ${
    quantile(xs, 0.99).toFixed(0)
  } ms (n=${xs.length})`;

const handles = Array.from({ length: BIDDERS }, (_, i) => `@load_${i}`);
const show = await bidShow({ url, name: "load", handles });
try {
  const engine = await show.startLeader("a", { LOG_LEVEL: "warn" }, 120_000);
  const base = `http://127.0.0.1:${engine.port}`;
  let running = true;

  // Viewers: the lot's JSON about once a second each, spread out; and the live updates held open.
  const http: number[] = [];
  let httpErrors = 0;
  const viewer = async (i: number) => {
    await new Promise((r) => setTimeout(r, (i * 1000) / VIEWERS));
    while (running) {
      const t = performance.now();
      try {
        const r = await fetch(`${base}/auction/auctions/${show.auctionId}`);
        await r.arrayBuffer();
        if (!r.ok) httpErrors++;
        http.push(performance.now() - t);
      } catch {
        httpErrors++;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  let liveEvents = 0;
  let liveErrors = 0;
  const lives = Array.from({ length: LIVE_VIEWERS }, () => new AbortController());
  const live = async (abort: AbortController) => {
    try {
      const r = await fetch(`${base}/auction/live`, { signal: abort.signal });
      if (!r.ok || !r.body) return void liveErrors++;
      for await (const chunk of r.body.pipeThrough(new TextDecoderStream())) {
        liveEvents += chunk.split("\n\n").length - 1;
      }
    } catch (error) {
      if (running) liveErrors++;
      void error;
    }
  };
  const viewers = Array.from({ length: VIEWERS }, (_, i) => viewer(i));
  const liveReaders = lives.map(live);

  // Bidders: one tweet every 1/RATE s, from the next bidder in turn, each above the last.
  const tweetedAt = new Map<string, number>();
  const began = Date.now();
  for (let n = 0; Date.now() - began < SECONDS * 1000; n++) {
    const due = began + (n * 1000) / RATE;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    tweetedAt.set(show.tweet(), Date.now());
  }
  await Promise.all(show.sent.map((id) => show.decided(id, 120_000)));
  const lastDecided = Date.now();
  running = false;
  for (const a of lives) a.abort();
  await Promise.all([...viewers, ...liveReaders]);

  const rows = await show.sql`select tweet_id, received_at, decided_at from auction_bids`;
  const engineMs = rows.map((r) => r.decided_at.getTime() - r.received_at.getTime());
  const bidderMs = rows.map((r) => r.decided_at.getTime() - tweetedAt.get(r.tweet_id)!);
  const counted = await show.verify();
  console.log(
    `load: ${BIDDERS} bidders at ${RATE} bids/s for ${SECONDS} s, ${VIEWERS} viewers polling, ` +
      `${LIVE_VIEWERS} on the live updates`,
  );
  console.log(
    `decided: ${counted.decisions} (${counted.accepted} accepted), ` +
      `${(counted.decisions / ((lastDecided - began) / 1000)).toFixed(1)} decisions/s sustained`,
  );
  console.log(`decision latency, engine (received → decided): ${spread(engineMs)}`);
  console.log(`decision latency, bidder (tweeted → decided): ${spread(bidderMs)}`);
  console.log(`viewers' HTTP: ${spread(http)}, errors ${httpErrors}`);
  console.log(`live updates: ${liveEvents} events received, errors ${liveErrors}`);
  console.log(
    `invariants: each tweet decided once, amounts rising, ${counted.posts} posts, none twice`,
  );
} finally {
  await show.close();
}
