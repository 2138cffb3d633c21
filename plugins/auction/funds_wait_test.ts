import type { BusEvent } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { startAuctionRuntime } from "./auction_runtime.ts";
import { auctionSchema } from "./auction_config.ts";
import { type Funds, FundsUnavailableError } from "./funds.ts";
import { auctionStore } from "./store.ts";
import { assertEquals } from "../../core/testing.ts";
import { auctionEngine, testStorage } from "./test_engine.ts";

const ETH = 10n ** 18n;
const T = (hms: string) => `2026-06-10T${hms}-04:00`;

Deno.test("when funds cannot be checked the bid waits (keeping tweet order), then is decided or times out", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("14:10:00"));
  // An engine gives the tables and a bus; the runtime under test uses a flaky funds provider.
  const engine = await auctionEngine(storage, {}, clock);
  let down = true;
  const funds: Funds = {
    walletOf: () =>
      down ? Promise.reject(new FundsUnavailableError("rpc down")) : Promise.resolve("0xabc"),
    balanceOf: () => Promise.resolve(5n * ETH),
  };
  const runtime = await startAuctionRuntime({
    bus: engine.bus,
    clock,
    log: engine.log,
    state: engine.state,
    store: auctionStore(engine.db),
    funds: () => funds,
    watermark: "clock",
    rateLimit: { bids: 10, perSeconds: 60 },
    maxBidWei: 10_000n * ETH,
    fundsWaitSeconds: 60,
    fundsRetrySeconds: 5,
    commitGroup: 1,
  });
  try {
    await runtime.create(auctionSchema.parse({
      id: "wait-1",
      item: "Wait #1",
      startsAt: T("14:00:00"),
      endsAt: T("16:00:00"),
      reserve: "1 ETH",
    }));
    const seen: string[] = [];
    const record = (e: BusEvent) => {
      const p = e.payload as { tweetId: string; reason?: string };
      seen.push(`${e.at.slice(11, 19)} ${p.tweetId}:${p.reason ?? "accepted"}`);
    };
    engine.bus.on("bid.accepted", record);
    engine.bus.on("bid.rejected", record);
    const submit = (id: string, text: string, at: string) =>
      runtime.submit({ tweetId: id, handle: "@alice", text, tweetAt: at });
    submit("1", "bid 1", T("14:09:00"));
    await clock.advance(1000);
    submit("2", "bid 2", T("14:09:30")); // behind the waiting bid
    await clock.advance(12_000);
    assertEquals(seen, []);
    down = false;
    await clock.advance(5000);
    await runtime.idle();
    // Decided when funds answered (the 14:10:15 retry), and the later tweet only after it.
    assertEquals(seen.map((x) => x.slice(9)), ["1:accepted", "2:accepted"]);
    assertEquals(seen[0].slice(0, 8), "14:10:15");

    down = true;
    submit("3", "bid 3", T("14:20:00"));
    for (let i = 0; i < 14; i++) await clock.advance(5000);
    await runtime.idle();
    assertEquals(seen.at(-1)?.slice(9), "3:insufficient_funds");
    const [row] = await engine.db.query<{ message: string }>(
      "select message from auction_bids where tweet_id = '3'",
    );
    assertEquals(row.message, "escrow could not be checked in time: bid again");
  } finally {
    runtime.stop();
    await engine.stop();
    await storage.remove();
  }
});
