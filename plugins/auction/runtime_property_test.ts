/**
 * The running engine (queue, batches, writes, rebuilt state) decides exactly as the
 * pure rules do, whatever order a batch arrives in: random batches are fed shuffled
 * to a real engine and compared with `decideBatch` over the same market.
 */
import fc from "fast-check";
import type { BusEvent } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { auctionSchema } from "./auction_config.ts";
import { type Bid, decideBatch, type Market, newAuction, open } from "./rules.ts";
import { assertEquals } from "../../core/testing.ts";
import { auctionEngine, testStorage } from "./test_engine.ts";

const ETH = 10n ** 18n;
const ADDR = "0x00000000000000000000000000000000000000a1";
const T = (hms: string) => `2026-06-10T${hms}-04:00`;

Deno.test("property: the engine decides a shuffled batch exactly as the pure rules", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("15:00:00"));
  const rateLimit = { bids: 5, perSeconds: 60 };
  const engine = await auctionEngine(storage, { rateLimit, commitGroup: 7 }, clock);
  const seen: Array<{ tweetId: string; result: string }> = [];
  const record = (e: BusEvent) => {
    const p = e.payload as { tweetId: string; reason?: string };
    seen.push({ tweetId: p.tweetId, result: p.reason ?? "accepted" });
  };
  engine.bus.on("bid.accepted", record);
  engine.bus.on("bid.rejected", record);
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 3 }),
            cents: fc.integer({ min: 50, max: 400 }),
            second: fc.integer({ min: 0, max: 59 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
        fc.integer(),
        async (raw, balances, seed) => {
          const n = run++;
          const id = `p-${n}`;
          const handles = [0, 1, 2, 3].map((i) => `@r${n}x${i}`);
          for (const [i, h] of handles.entries()) {
            if (i === 3) continue; // one bidder never links a wallet
            await engine.book.link(h, ADDR);
            if (balances[i]) await engine.book.enter(h, "deposit", BigInt(balances[i]) * ETH);
          }
          const rules = auctionSchema.parse({
            id,
            item: id,
            startsAt: T("14:00:00"),
            endsAt: T("14:58:30"),
            reserve: "1 ETH",
          });
          await engine.auctions.create(rules);
          const bids: Bid[] = raw.map((r, i) => ({
            tweetId: String(1_000_000 * (n + 1) + i),
            handle: handles[r.who],
            text: `bid ${(r.cents / 100).toFixed(2)} #${id}`,
            tweetAt: Temporal.Instant.from(T(`14:58:${String(r.second).padStart(2, "0")}`)),
          }));
          const market: Market = {
            auctions: { [id]: open(newAuction(rules)) },
            rateLimit,
            maxBidWei: 10_000n * ETH,
            recent: {},
          };
          const wallets = handles.map((_, i) => ({
            linked: i !== 3,
            balanceWei: i === 3 ? 0n : BigInt(balances[i]) * ETH,
          }));
          const expected = decideBatch(market, bids, (b) => wallets[handles.indexOf(b.handle)])
            .decisions
            .map((d) => ({
              tweetId: d.tweetId,
              result: d.kind === "accepted" ? "accepted" : d.reason,
            }));
          seen.length = 0;
          for (const b of shuffle(bids, seed)) {
            engine.bus.emit("bid.submitted", {
              tweetId: b.tweetId,
              handle: b.handle,
              text: b.text,
              tweetAt: b.tweetAt.toString(),
            });
          }
          await engine.auctions.idle();
          assertEquals(seen, expected);
          await engine.auctions.admin(id, { action: "cancel" }, { actor: "test", reason: "done" });
        },
      ),
      { numRuns: 25 },
    );
  } finally {
    await engine.stop();
    await storage.remove();
  }
});

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
