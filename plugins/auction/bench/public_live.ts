/**
 * The public pages' live feed under many phones (a script:
 * `deno run -A plugins/auction/bench/public_live.ts [listeners…]`): N readers of
 * `/auction/live` (SSE, over real HTTP on loopback, in this same process, so
 * their reading is counted against the engine too), 40 bids decided one after
 * another; for each decision, the time from `bid.accepted`/`bid.rejected` on
 * the bus to each reader having its `decision` event. Prints median and p99 per
 * N, and the ratio of each N's median to the smallest N's.
 */
import { testEngine } from "../../../tests/engine.ts";
import type { Auctions } from "../mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";

const sizes = Deno.args.length ? Deno.args.map(Number) : [10, 100, 1000];
const BIDS = 40;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function run(listeners: number) {
  const now = Temporal.Now.instant();
  const engine = await testEngine({
    listen: true,
    plugins: {
      "funds-book": {},
      auction: {
        watermark: "clock",
        rateLimit: { bids: 1000, perSeconds: 1 },
        // Every reader is on loopback: one address.
        public: { maxListeners: 100_000, maxListenersPerAddress: 100_000 },
        auctions: [{
          id: "bench-1",
          item: "Bench #1",
          startsAt: now.subtract({ minutes: 1 }).toString(),
          endsAt: now.add({ hours: 1 }).toString(),
          reserve: "1 ETH",
        }],
      },
    },
  });
  const book = engine.service<FundsBook>("funds-book");
  await book.link("@a", "0x00000000000000000000000000000000000000a1");
  await book.enter("@a", "deposit", 10n ** 30n);
  const auctions = engine.service<Auctions>("auctions");
  const decidedAt = new Map<string, number>();
  for (const t of ["bid.accepted", "bid.rejected"] as const) {
    engine.bus.on(
      t,
      (e) => void decidedAt.set((e.payload as { tweetId: string }).tweetId, performance.now()),
    );
  }
  const delays: number[] = [];
  const aborts: AbortController[] = [];
  let ready = 0;
  const readers = Array.from({ length: listeners }, async () => {
    const abort = new AbortController();
    aborts.push(abort);
    const res = await fetch(`${engine.url}/auction/live`, { signal: abort.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let i;
        while ((i = buffer.indexOf("\n\n")) >= 0) {
          const chunk = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          // A block's lines: `retry:` and `id:` may come before its `event:`.
          if (/^event: hello$/m.test(chunk)) ready++;
          if (/^event: decision$/m.test(chunk)) {
            const id = JSON.parse(chunk.split("data: ")[1]).tweetId;
            delays.push(performance.now() - decidedAt.get(id)!);
          }
        }
      }
    } catch { /* aborted */ }
  });
  const connectBy = performance.now() + 30_000;
  while (ready < listeners && performance.now() < connectBy) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (ready < listeners) console.log(`only ${ready} of ${listeners} readers connected in 30 s`);
  for (let i = 0; i < BIDS; i++) {
    engine.bus.emit("bid.submitted", {
      tweetId: String(1000 + i),
      handle: "@a",
      text: `bid ${1 + i}`,
      tweetAt: Temporal.Now.instant().toString(),
    });
    await auctions.idle();
    const want = (i + 1) * ready;
    const until = performance.now() + 10_000;
    while (delays.length < want && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  aborts.forEach((a) => a.abort());
  // Bounded: an aborted fetch's pending read was seen never to settle (Deno, ~1 run in 3 at 100).
  let late: ReturnType<typeof setTimeout> | undefined;
  const ended = await Promise.race([
    Promise.allSettled(readers).then(() => true),
    new Promise<false>((r) => late = setTimeout(() => r(false), 5000)),
  ]);
  clearTimeout(late);
  if (!ended) console.log("some readers did not end within 5 s of their abort");
  await engine.stop();
  return {
    received: delays.length,
    expected: BIDS * listeners,
    p50: quantile(delays, 0.5),
    p99: quantile(delays, 0.99),
  };
}

let base = 0;
for (const n of sizes) {
  const r = await run(n);
  base ||= r.p50;
  console.log(
    `${
      String(n).padStart(5)
    } listeners: ${r.received}/${r.expected} decisions delivered; decision → reader median ${
      r.p50.toFixed(2)
    } ms, p99 ${r.p99.toFixed(2)} ms (median ×${(r.p50 / base).toFixed(2)} of the first)`,
  );
}
