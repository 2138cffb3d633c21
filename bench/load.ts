/**
 * Load benchmark (a script: `deno run -A bench/load.ts`): a real engine (`main.ts start`: the x
 * plugin reading a fake X, the auction, the funds book and, with STREAM=1, the compositor, the
 * widgets, the voice and the stream to a local nginx-rtmp) on Postgres (`DATABASE_URL`, a schema
 * of its own), bidders tweeting at a steady rate while viewers use the public pages.
 *
 * A viewer is a browser tab on the lot: it loads `/` with its style and script, holds the live
 * updates (`/auction/live`, SSE) open, and reloads the page every PAGE_EVERY seconds (one reload
 * in ten is the bid log `/auctions/:id` instead), spread out. A live stream that breaks counts as
 * an error and reconnects after 1 s. LAG_VIEWERS of them read every event, to time each decision
 * from its commit to its arrival on a viewer; the rest count bytes only (the benchmark shares the
 * engine's two cores: its own cost is kept small).
 *
 * Prints, and writes as JSON to OUT (data/load.json): decisions per second sustained; decision
 * latency (the engine's: received → decided; the bidder's: tweeted → decided, X's polling
 * included) p50 / p95 / p99; page HTTP p50 / p99 and errors; live events, errors and lag; the
 * stream's frames rendered, late and dropped; CPU of the engine, its ffmpeg and this process; the
 * SQL statements the engine sent per decision, by kind, and their time (core/db.ts
 * `countStatements`); a sample every 30 s; and the invariants (each tweet decided once, amounts rising, no post
 * twice). Sizes from the environment: BIDDERS (100), BIDS_PER_SECOND (10), SECONDS (60),
 * VIEWERS (200), PAGE_EVERY (30), LAG_VIEWERS (20), STREAM (1), PROFILE (720p30).
 */
import { quantile } from "../core/metrics.ts";
import { nginxRtmp } from "../plugins/stream/tests/nginx_rtmp.ts";
import { bidShow } from "../tests/bid_show.ts";
import { childPids, cpuSeconds } from "./demo_engine.ts";

const env = (name: string, fallback: number) => Number(Deno.env.get(name) ?? fallback);
const BIDDERS = env("BIDDERS", 100);
const RATE = env("BIDS_PER_SECOND", 10);
const SECONDS = env("SECONDS", 60);
const VIEWERS = env("VIEWERS", 200);
const PAGE_EVERY = env("PAGE_EVERY", 30);
const LAG_VIEWERS = Math.min(env("LAG_VIEWERS", 20), VIEWERS);
const STREAM = env("STREAM", 1) === 1;
const PROFILE = Deno.env.get("PROFILE") ?? "720p30";
const OUT = Deno.env.get("OUT") ?? "data/load.json";
const url = Deno.env.get("DATABASE_URL");
if (!url) throw new Error("set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => Math.round(quantile(s, p));
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), n: s.length };
};
const spread = (s: ReturnType<typeof ms>) =>
  `p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms (n=${s.n})`;

/** The engine's /metrics as numbers, by series with labels. */
async function metricsOf(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) }))
    .text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([^#\s][^\s]*) (\S+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
const frames = (m: Map<string, number>, kind: string) =>
  m.get(`sothebais_stream_frames_total{kind="${kind}"}`) ?? 0;

const nginx = STREAM ? await nginxRtmp({ record: false }) : undefined;
const streamPlugins = [
  { name: "compositor", config: { profile: PROFILE } },
  ...["widget-artwork", "widget-status", "widget-countdown", "widget-bid-feed", "widget-clock"]
    .map((name) => ({ name, config: {} })),
  { name: "voice", config: {} },
  {
    name: "stream",
    config: { rtmpUrl: nginx?.url, streamKey: "${STREAM_KEY}", recording: { enabled: false } },
  },
];
const handles = Array.from({ length: BIDDERS }, (_, i) => `@load_${i}`);
const show = await bidShow({
  url,
  name: "load",
  handles,
  more: STREAM ? streamPlugins : [],
  env: { STREAM_KEY: "load" },
  // Every simulated viewer connects from loopback: one client address.
  auctionPublic: { maxListenersPerAddress: 100_000 },
});
try {
  const engine = await show.startLeader("a", { LOG_LEVEL: "warn" }, 180_000);
  const base = `http://127.0.0.1:${engine.port}`;
  if (STREAM) {
    const end = Date.now() + 120_000;
    while ((await metricsOf(base)).get('sothebais_stream_status{status="live"}') !== 1) {
      if (Date.now() > end) throw new Error("the stream was not live within 120 s");
      await sleep(500);
    }
  }
  let running = true;

  // Viewers.
  const page: number[] = [];
  let pageErrors = 0;
  let liveEvents = 0;
  let liveErrors = 0;
  const lagOf = new Map<string, number[]>(); // tweet id → arrival times on the lag viewers
  const get = async (path: string) => {
    const t = performance.now();
    try {
      const r = await fetch(base + path, { signal: AbortSignal.timeout(30_000) });
      await r.arrayBuffer();
      if (!r.ok) pageErrors++;
      page.push(performance.now() - t);
    } catch {
      if (running) pageErrors++;
    }
  };
  const readers = new Set<ReadableStreamDefaultReader<Uint8Array>>();
  const live = async (timed: boolean) => {
    const text = new TextDecoder();
    while (running) {
      try {
        // Connecting is bounded; the stream, once open, is held until the end.
        const connect = new AbortController();
        const bound = setTimeout(() => connect.abort(), 15_000);
        const r = await fetch(`${base}/auction/live`, { signal: connect.signal })
          .finally(() => clearTimeout(bound));
        if (!r.ok || !r.body) {
          liveErrors++;
          await r.body?.cancel();
        } else {
          const reader = r.body.getReader();
          readers.add(reader);
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read().catch(() => ({
              value: undefined,
              done: true,
            }));
            if (done || !value) break;
            if (!timed) {
              for (let i = 1; i < value.length; i++) {
                if (value[i] === 10 && value[i - 1] === 10) liveEvents++;
              }
              continue;
            }
            buffer += text.decode(value, { stream: true });
            const parts = buffer.split("\n\n");
            buffer = parts.pop()!;
            for (const part of parts) {
              liveEvents++;
              const id = /^event: decision\ndata: .*"tweetId":"(\d+)"/m.exec(part)?.[1];
              if (id) (lagOf.get(id) ?? lagOf.set(id, []).get(id)!).push(Date.now());
            }
          }
          readers.delete(reader);
          if (running) liveErrors++; // the server ended it
        }
      } catch {
        if (running) liveErrors++;
      }
      if (running) await sleep(1000);
    }
  };
  const viewer = async (i: number) => {
    await sleep((i * Math.min(PAGE_EVERY, 10) * 1000) / VIEWERS);
    await Promise.all([get("/"), get("/public.css"), get("/public.js")]);
    const streaming = live(i < LAG_VIEWERS);
    await sleep(((i * PAGE_EVERY * 1000) / VIEWERS) % (PAGE_EVERY * 1000));
    for (let n = 0; running; n++) {
      await get(n % 10 === 9 ? `/auctions/${show.auctionId}` : "/");
      for (let t = 0; t < PAGE_EVERY * 10 && running; t++) await sleep(100);
    }
    await streaming;
  };
  const viewers = Array.from({ length: VIEWERS }, (_, i) => viewer(i));

  // Samples every 30 s: what the engine does, where the CPU goes.
  const ffmpegPid = () => childPids(engine.child.pid, "ffmpeg")[0];
  const cpu = () => ({
    engine: cpuSeconds(engine.child.pid),
    ffmpeg: STREAM && ffmpegPid() ? cpuSeconds(ffmpegPid()) : 0,
    bench: cpuSeconds(Deno.pid),
    at: performance.now(),
  });
  const m0 = await metricsOf(base);
  const cpu0 = cpu();
  const samples: Array<Record<string, unknown>> = [];
  let lastCpu = cpu0;
  let lastM = m0;
  const sampler = (async () => {
    while (running) {
      for (let t = 0; t < 300 && running; t++) await sleep(100);
      const m = await metricsOf(base).catch(() => undefined);
      if (!m) continue;
      const c = cpu();
      const wall = (c.at - lastCpu.at) / 1000;
      const sample = {
        atS: Math.round((c.at - cpu0.at) / 1000),
        decided: (await show.sql`select count(*)::int as n from auction_bids`)[0].n,
        sent: show.sent.length,
        cpu: {
          engine: +((c.engine - lastCpu.engine) / wall).toFixed(2),
          ffmpeg: +((c.ffmpeg - lastCpu.ffmpeg) / wall).toFixed(2),
          bench: +((c.bench - lastCpu.bench) / wall).toFixed(2),
        },
        frames: Object.fromEntries(
          ["rendered", "late", "dropped"].map((k) => [k, frames(m, k) - frames(lastM, k)]),
        ),
        loadavg: Deno.loadavg()[0],
      };
      samples.push(sample);
      console.log(`sample ${JSON.stringify(sample)}`);
      lastCpu = c;
      lastM = m;
    }
  })();

  // Bidders: one tweet every 1/RATE s, from the next bidder in turn, each above the last.
  const tweetedAt = new Map<string, number>();
  const began = Date.now();
  for (let n = 0; Date.now() - began < SECONDS * 1000; n++) {
    const due = began + (n * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    tweetedAt.set(show.tweet(), Date.now());
  }
  const bidsEnded = Date.now();
  // A backlog is drained for at most DRAIN seconds; what is left undecided is reported.
  const drainEnd = Date.now() + env("DRAIN", 180) * 1000;
  const decidedCount = async () =>
    (await show.sql`select count(*)::int as n from auction_bids`)[0].n as number;
  while ((await decidedCount()) < show.sent.length && Date.now() < drainEnd) await sleep(500);
  const lastDecided = Date.now();
  await sleep(2000); // the last decisions' live events
  running = false;
  const m1 = await metricsOf(base);
  const cpu1 = cpu();
  for (const r of readers) void r.cancel().catch(() => {});
  await Promise.all([...viewers, sampler]);

  const rows = await show.sql`select tweet_id, received_at, decided_at from auction_bids`;
  const engineMs = rows.map((r) => r.decided_at.getTime() - r.received_at.getTime());
  const bidderMs = rows.map((r) => r.decided_at.getTime() - tweetedAt.get(r.tweet_id)!);
  const tweets = show.sent.length;
  const decidedAt = new Map(rows.map((r) => [r.tweet_id, r.decided_at.getTime()]));
  const lag = [...lagOf].flatMap(([id, ts]) =>
    decidedAt.has(id) ? ts.map((t) => t - decidedAt.get(id)!) : []
  );
  const undecided = show.sent.length - rows.length;
  const counted = undecided
    ? { decisions: rows.length, accepted: NaN, posts: NaN }
    : await show.verify();
  const wall = (cpu1.at - cpu0.at) / 1000;
  // SQL statements sent while the bids ran, per decision, by kind (core/db.ts statementKey),
  // and the time to their answers, summed by kind (seconds; several run at once).
  const byKind = (m: Map<string, number>, series: string) =>
    new Map(
      [...m].flatMap(([k, v]) => {
        const key = new RegExp(`^${series}\\{statement="(.*)"\\}$`).exec(k)?.[1];
        return key ? [[key, v] as const] : [];
      }),
    );
  const delta = (series: string, per: number) => {
    const before = byKind(m0, series);
    return [...byKind(m1, series)]
      .map(([k, v]): [string, number] => [k, +((v - (before.get(k) ?? 0)) / per).toFixed(2)])
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1]);
  };
  const perDecision = delta("sothebais_db_statements_total", Math.max(1, counted.decisions));
  const statementsPerDecision = +perDecision.reduce((n, [, v]) => n + v, 0).toFixed(2);
  const statementSeconds = delta("sothebais_db_statement_seconds_total", 1);
  const result = {
    sizes: { BIDDERS, RATE, SECONDS, VIEWERS, PAGE_EVERY, LAG_VIEWERS, STREAM, PROFILE },
    decisions: counted.decisions,
    undecided,
    accepted: counted.accepted,
    decisionsPerSecond: +(counted.decisions / ((lastDecided - began) / 1000)).toFixed(2),
    backlogSeconds: +((lastDecided - bidsEnded) / 1000).toFixed(1),
    engineLatency: ms(engineMs),
    bidderLatency: ms(bidderMs),
    pageHttp: { ...ms(page), errors: pageErrors },
    live: { events: liveEvents, errors: liveErrors, lag: ms(lag) },
    frames: Object.fromEntries(
      ["rendered", "late", "dropped"].map((k) => [k, frames(m1, k) - frames(m0, k)]),
    ),
    cpuCores: {
      engine: +((cpu1.engine - cpu0.engine) / wall).toFixed(2),
      ffmpeg: +((cpu1.ffmpeg - cpu0.ffmpeg) / wall).toFixed(2),
      bench: +((cpu1.bench - cpu0.bench) / wall).toFixed(2),
    },
    posts: counted.posts,
    statementsPerDecision,
    statementsByKind: Object.fromEntries(perDecision),
    statementSeconds: Object.fromEntries(statementSeconds),
    loadavg: Deno.loadavg(),
    // Where the time goes, as the engine measures it (summaries: quantiles, sums, counts).
    engineMetrics: Object.fromEntries(
      [...m1].filter(([k]) =>
        /^sothebais_(db_query|auction_decision|x_post_delay|bus_events)/.test(k)
      ),
    ),
    samples,
  };
  await Deno.mkdir(OUT.slice(0, OUT.lastIndexOf("/")) || ".", { recursive: true });
  await Deno.writeTextFile(OUT, JSON.stringify(result, null, 2));
  console.log(
    `load: ${BIDDERS} bidders at ${RATE} bids/s for ${SECONDS} s; ${VIEWERS} viewers on the ` +
      `live updates, a page each every ${PAGE_EVERY} s; stream ${STREAM ? PROFILE : "off"}`,
  );
  console.log(
    `decided: ${counted.decisions} (${counted.accepted} accepted), ` +
      `${result.decisionsPerSecond} decisions/s sustained, backlog ${result.backlogSeconds} s ` +
      `after the last tweet; ${undecided} of ${tweets} tweets still undecided`,
  );
  console.log(`decision latency, engine (received → decided): ${spread(result.engineLatency)}`);
  console.log(`decision latency, bidder (tweeted → decided): ${spread(result.bidderLatency)}`);
  console.log(`pages' HTTP: ${spread(result.pageHttp)}, errors ${pageErrors}`);
  console.log(
    `live updates: ${liveEvents} events, errors ${liveErrors}; commit → viewer ${
      spread(result.live.lag)
    }`,
  );
  console.log(
    `frames: ${result.frames.rendered} rendered, ${result.frames.late} late, ` +
      `${result.frames.dropped} dropped`,
  );
  console.log(
    `CPU (cores): engine ${result.cpuCores.engine}, ffmpeg ${result.cpuCores.ffmpeg}, ` +
      `this benchmark ${result.cpuCores.bench}; load average ${
        result.loadavg.map((l) => l.toFixed(1)).join(" ")
      }`,
  );
  console.log(
    `SQL statements per decision (all the engine sent, pages and posting included): ${statementsPerDecision}: ${
      perDecision.slice(0, 14).map(([k, v]) => `${k} ${v}`).join(", ")
    }`,
  );
  console.log(
    `SQL time to answers, summed (s): ${
      statementSeconds.slice(0, 10).map(([k, v]) => `${k} ${v}`).join(", ")
    }`,
  );
  for (const [k, v] of Object.entries(result.engineMetrics)) {
    if (/db_query|auction_decision/.test(k)) console.log(`engine metric ${k} ${v}`);
  }
  console.log(
    undecided
      ? `invariants: not checked (${undecided} undecided at the end of the drain)`
      : `invariants: each tweet decided once, amounts rising, ${counted.posts} posts, none twice`,
  );
} finally {
  await show.close();
  await nginx?.remove();
}
