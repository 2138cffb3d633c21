/**
 * Crash test: a child engine takes ~100 bids/s and is SIGKILLed at a random
 * moment. After a restart on the same storage, every decision it reported is
 * in Postgres exactly once with the same outcome, replaying the recorded bids
 * through the pure rules gives the same decisions, and the rebuilt leader,
 * price and end equal the replay's.
 */
import { assert, assertEquals } from "../../../core/testing.ts";
import { auctionEngine, testStorage } from "../test_engine.ts";
import { auctionSchema } from "../auction_config.ts";
import { decide, leaderOf, type Market, newAuction, open } from "../rules.ts";

const ETH = 10n ** 18n;
const HANDLES = ["@ann", "@ben", "@cat", "@dan", "@eve"];
const ADDR = "0x00000000000000000000000000000000000000a1";
// Five bidders at 100 bids/s: the rate limit must not decide everything.
const rateLimit = { bids: 1_000_000, perSeconds: 1 };

for (const commitGroup of [1, 25]) {
  Deno.test(`SIGKILL at 100 bids/s loses no reported decision; restart resumes exactly (commitGroup ${commitGroup})`, async () => {
    const storage = testStorage();
    const now = Temporal.Now.instant();
    const auction = {
      id: "crash-1",
      item: "Crash #1",
      startsAt: now.subtract({ minutes: 1 }).toString(),
      endsAt: now.add({ seconds: 120 }).toString(), // bids arrive inside the extension window
      maxEndsAt: now.add({ minutes: 30 }).toString(),
      reserve: "1 ETH",
      minIncrementBps: 100,
      extensionWindowSeconds: 600,
      extensionSeconds: 300,
    };
    // Fund the bidders (and create the schema) before the child starts.
    const config = { watermark: "clock", auctions: [auction], rateLimit, commitGroup };
    const setup = await auctionEngine(storage, config);
    for (const [i, h] of HANDLES.entries()) {
      await setup.book.link(h, ADDR);
      await setup.book.enter(h, "deposit", BigInt(5 + i * 10) * ETH);
    }
    await setup.stop();

    const reported = new Map<string, { status: string; reason?: string }>();
    let lastSnapshot: { priceWei: string | null } | null = null;
    const sent: Array<{ tweetId: string; handle: string; text: string; tweetAt: string }> = [];
    let price = 1.0;
    let id = 10_000;
    const kills: number[] = [];
    let retold = 0;
    // Three lives: each child is killed at a random moment while bids stream in.
    for (let life = 0; life < 3; life++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("./crash_child.ts", import.meta.url).pathname],
        env: { CRASH_STORAGE: JSON.stringify(storage.env), CRASH_CONFIG: JSON.stringify(config) },
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const { promise: ready, resolve: isReady } = Promise.withResolvers<void>();
      const reading = (async () => {
        let buffer = "";
        for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
          buffer += chunk;
          const lines = buffer.split("\n");
          buffer = lines.pop()!; // a line cut by the kill was never fully reported
          for (const line of lines) {
            const m = JSON.parse(line);
            if (m.ready) isReady();
            else if (m.snapshot) lastSnapshot = m.snapshot;
            else {
              // Told again after a restart (the announcement outbox): the same decision.
              const before = reported.get(m.tweetId);
              if (before) {
                assertEquals([m.status, m.reason], [before.status, before.reason]);
                retold++;
              }
              reported.set(m.tweetId, m);
            }
          }
        }
      })();
      await ready;
      const writer = child.stdin.getWriter();
      const killAfter = 500 + Math.random() * 1000;
      kills.push(Math.round(killAfter));
      const began = performance.now();
      try {
        while (performance.now() - began < killAfter) {
          const tick = performance.now();
          for (let i = 0; i < 10; i++) { // 10 bids every 100 ms ≈ 100/s
            price = Math.random() < 0.7 ? price * 1.02 : price * 0.9;
            const bid = {
              tweetId: String(id++),
              handle: HANDLES[Math.floor(Math.random() * HANDLES.length)],
              text: `bid ${(Math.floor(price * 1000) / 1000).toFixed(3)}`,
              tweetAt: Temporal.Now.instant().toString(),
            };
            sent.push(bid);
            await writer.write(new TextEncoder().encode(JSON.stringify(bid) + "\n"));
          }
          // The kill comes right after a burst, while its decisions are being made.
          if (performance.now() - began >= killAfter) break;
          await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
        }
      } finally {
        child.kill("SIGKILL");
        await child.status;
        await writer.close().catch(() => {});
        await reading.catch(() => {});
      }
    }
    assert(reported.size > 100, `only ${reported.size} decisions reported before the kill`);

    const engine = await auctionEngine(storage, config);
    try {
      const rows = await engine.db.query<
        {
          tweet_id: string;
          handle: string;
          text: string;
          tweet_at: Date;
          status: string;
          reason: string | null;
        }
      >("select tweet_id, handle, text, tweet_at, status, reason from auction_bids order by seq");
      const byId = new Map(rows.map((r) => [r.tweet_id, r]));
      assertEquals(byId.size, rows.length);
      for (const [tweetId, d] of reported) {
        const row = byId.get(tweetId);
        assert(row, `reported decision ${tweetId} is missing after the crash`);
        assertEquals([row.status, row.reason ?? undefined], [d.status, d.reason], tweetId);
      }
      // Rows past the reports are the few in flight at the kill.
      assert(rows.length - reported.size <= 60, `${rows.length - reported.size} unreported rows`);

      // Replay the recorded bids through the pure rules: same decisions, same final state.
      const rules = auctionSchema.parse(auction);
      let market: Market = {
        auctions: { [rules.id]: open(newAuction(rules)) },
        rateLimit,
        maxBidWei: 10_000n * 10n ** 18n,
        recent: {},
      };
      for (const r of rows) {
        const wallet = {
          linked: true,
          balanceWei: await engine.book.balanceOf(r.handle),
        };
        const result = decide(market, {
          tweetId: r.tweet_id,
          handle: r.handle,
          text: r.text,
          tweetAt: Temporal.Instant.fromEpochMilliseconds(r.tweet_at.getTime()),
        }, wallet);
        market = result.market;
        assertEquals(result.decision.kind, r.status, `replay of ${r.tweet_id}`);
      }
      const replayed = market.auctions[rules.id];
      const rebuilt = engine.auctions.get(rules.id)!;
      assertEquals(rebuilt.leader?.tweetId ?? null, leaderOf(replayed)?.tweetId ?? null);
      assertEquals(rebuilt.priceWei, leaderOf(replayed)?.amountWei ?? null);
      assertEquals(
        [Temporal.Instant.from(rebuilt.endsAt).toString(), rebuilt.extensions],
        [replayed.endsAt.toString(), replayed.extensions],
      );
      if (lastSnapshot) {
        const before = (lastSnapshot as { priceWei: string | null }).priceWei;
        assert(BigInt(before ?? 0) <= (rebuilt.priceWei ?? 0n), "the price fell across the crash");
      }

      // Resuming: the same bids again are all duplicates; a new one is decided.
      const seen: string[] = [];
      engine.bus.on("bid.rejected", (e) => void seen.push(e.payload.reason));
      for (const r of rows.slice(-5)) {
        engine.bus.emit("bid.submitted", {
          tweetId: r.tweet_id,
          handle: r.handle,
          text: r.text,
          tweetAt: r.tweet_at.toISOString(),
        });
      }
      await engine.auctions.idle();
      assertEquals(seen, Array(Math.min(5, rows.length)).fill("duplicate"));
      // Every recorded decision has been told: the announcement outbox is empty again.
      const [untold] = await engine.db.query<{ n: string }>(
        "select count(*) as n from auction_announcements",
      );
      assertEquals(untold.n, "0");
      console.log(
        `crash: ${sent.length} sent, ${reported.size} reported (${retold} told again after a ` +
          `restart), ${rows.length} recorded, killed after ${kills.join(", ")} ms of bids`,
      );
    } finally {
      await engine.stop();
      await storage.remove();
    }
  });
}
