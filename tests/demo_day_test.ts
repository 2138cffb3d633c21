/**
 * End to end, on the virtual clock: a compressed demo day as `deno task start`
 * runs it — the embedded anvil, the fake X, the simulated crowd, the demo —
 * from the links and deposits through the bids, the snipe and its extension,
 * the close and the settlement on chain, to the next day's lot. Checked against
 * the auction's log in the database, the chain (the winner owns the token,
 * everyone's ETH adds up to the wei) and the posts on the fake X server.
 */
import { createPublicClient, getAddress, http, parseEther } from "viem";
import type { BusEvent } from "../core/bus.ts";
import { virtualClock } from "../core/clock.ts";
import { assert, assertEquals } from "../core/testing.ts";
import type { Auctions } from "../plugins/auction/mod.ts";
import type { Funds } from "../plugins/auction/funds.ts";
import { erc721Abi } from "../plugins/chain/custody.ts";
import { anvilAvailable } from "../plugins/chain/tests/chain_kit.ts";
import type { ChainService } from "../plugins/chain/mod.ts";
import type { FakeXService } from "../stand-ins/fake-x/mod.ts";
import type { XService } from "../plugins/x/mod.ts";
import { testEngine } from "./engine.ts";

const ready = await anvilAvailable();
const DEV_BALANCE = parseEther("10000"); // each anvil dev account at genesis
const DEPOSIT = parseEther("100"); // the demo's default

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "a compressed demo day: link, deposit, bid, snipe, extension, close, settle, next lot",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const clock = virtualClock("2026-11-25T18:59:00-05:00");
    const engine = await testEngine({
      clock,
      env: { PUBLIC_URL: "http://127.0.0.1:8000" },
      plugins: {
        // Hears everything from the start (its setup runs before the others').
        "./fixtures/listener.ts": { types: ["*"] },
        chain: {
          linkUri: "http://127.0.0.1:8000/link",
          pollMs: 1000,
          embedded: { blockTimeSeconds: 0.2, bidders: 5, tokens: 3 },
        },
        auction: { watermark: "tweets" },
        "fake-x": {},
        "x-simulator": {
          bidders: 5,
          viewers: 3,
          seed: 11,
          rates: { bidsPerMinute: 3, questionsPerMinute: 0.5, malformedPerMinute: 0.5 },
          snipeSecondsBeforeEnd: 20,
        },
        x: { tier: "pro", minPollMs: 1000, publicUrl: "http://127.0.0.1:8000" },
        demo: { preMinutes: 1, auctionMinutes: 5, postMinutes: 3 },
        "show-log": {},
      },
    });
    const events = engine.service<BusEvent[]>("heard");
    const of = <T>(type: string) =>
      events.filter((e) => e.type === type).map((e) => e.payload as T);
    const auctions = engine.service<Auctions>("auctions");
    const chain = engine.service<ChainService>("chain");
    const funds = engine.service<Funds>("funds");
    const x = engine.service<XService>("x");
    const { fake } = engine.service<FakeXService>("fake-x");
    /** Virtual time passes a second at a time; real work (chain, HTTP, database) keeps up. */
    const until = async (what: string, done: () => boolean | Promise<boolean>, minutes = 10) => {
      const deadline = clock.instant().add({ minutes });
      while (!(await done())) {
        if (Temporal.Instant.compare(clock.instant(), deadline) > 0) {
          throw new Error(`${what}: not by ${clock.instant()}`);
        }
        await clock.advance(1000);
        await x.idle();
        await auctions.idle();
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    try {
      // Pre-auction: the lot is announced, the crowd links its wallets and deposits.
      await until("five bidders credited", () => of("deposit.credited").length >= 10);
      const linked = of<{ handle: string; address: string }>("wallet.linked");
      assertEquals(
        linked.map((l) => l.handle).sort(),
        [1, 2, 3, 4, 5].map((i) => `@sim_bidder${i}`),
      );
      // Each bidder's first deposit (the demo deposits again once a refund spends it).
      const deposits: Record<string, `0x${string}`> = JSON.parse(
        await Deno.readTextFile(`${engine.dataDir}/demo/deposits.json`),
      );
      const lot = auctions.get("demo-1")!;
      assertEquals(lot.status, "scheduled");
      const opensAt = Temporal.Instant.from(lot.startsAt);
      const plannedEnd = Temporal.Instant.from(lot.endsAt);
      assertEquals(plannedEnd.since(opensAt).total("minutes"), 5);

      // The auction: bids, the snipe, an extension, the close once X has been read past the end.
      await until("demo-1 closed", () => auctions.get("demo-1")?.status === "closed", 12);
      const extended = of<{ previousEndsAt: string }>("auction.extended");
      assert(extended.length >= 1, "the snipe extends the auction");
      assertEquals(Temporal.Instant.from(extended[0].previousEndsAt).equals(plannedEnd), true);
      const closed = of<{ winner: { handle: string; amountWei: bigint } }>("auction.closed")[0];
      const winner = closed.winner;
      assert(winner, "the lot sells");
      const final = auctions.get("demo-1")!;
      assert(Temporal.Instant.compare(Temporal.Instant.from(final.endsAt), plannedEnd) > 0);
      assertEquals([final.leader?.handle, final.priceWei], [winner.handle, winner.amountWei]);
      const phases = of<{ phase: string; auctionId: string }>("campaign.phase")
        .map((p) => `${p.auctionId}:${p.phase}`);
      assertEquals(phases, ["demo-1:pre-auction", "demo-1:auction", "demo-1:post-auction"]);

      // The auction's log: every accepted bid in order, rising, the last one the winner's.
      // (A tweet that only changed its author's maximum, or cancelled it, adds no bid.)
      const bids = await engine.db.query<
        { handle: string; amount_wei: string | null; status: string }
      >(
        "select handle, amount_wei, status from auction_bids where auction_id = 'demo-1' order by seq",
      );
      const accepted = bids.filter((b) => b.status === "accepted" && b.amount_wei !== null);
      assert(accepted.length >= 3, `accepted: ${accepted.length}`);
      assertEquals(accepted.length, of("bid.accepted").length);
      // The crowd places maximum bids too: the auction raised one by itself.
      assert(of<{ proxy: boolean }>("bid.accepted").some((b) => b.proxy), "a proxy bid");
      for (let i = 1; i < accepted.length; i++) {
        assert(BigInt(accepted[i].amount_wei!) > BigInt(accepted[i - 1].amount_wei!));
      }
      assertEquals(accepted.at(-1), {
        handle: winner.handle,
        amount_wei: winner.amountWei.toString(),
        status: "accepted",
      });

      // Settlement on anvil: the token to the winner, the ETH adding up to the wei.
      await until("demo-1 settled", () => of("auction.settled").length > 0, 3);
      const embedded = chain.embedded!;
      const client = createPublicClient({ transport: http(embedded.url), cacheTime: 0 });
      const tokenId = BigInt(lot.item.replace("Genesis #", ""));
      const owner = await client.readContract({
        address: embedded.nft,
        abi: erc721Abi,
        functionName: "ownerOf",
        args: [tokenId],
      });
      const winnerWallet = await funds.walletOf(winner.handle);
      assertEquals(getAddress(owner as string), getAddress(winnerWallet!));
      const refunds = await engine.db.query<
        { address: string; amount_wei: string; tx_hash: string }
      >(
        "select address, amount_wei, tx_hash from chain_payouts where auction_id = 'demo-1' and kind = 'refund' and state = 'confirmed'",
      );
      const bidders = new Set(accepted.map((b) => b.handle));
      for (const [i, bidder] of embedded.bidders.entries()) {
        const handle = `@sim_bidder${i + 1}`;
        const receipt = await client.getTransactionReceipt({ hash: deposits[handle] });
        const gas = receipt.gasUsed * receipt.effectiveGasPrice;
        const paid = handle === winner.handle ? winner.amountWei : 0n;
        const refund = refunds.find((r) => getAddress(r.address) === bidder.address);
        if (!bidders.has(handle)) {
          assertEquals(refund, undefined, `${handle} never bid: nothing to refund`);
          assertEquals(await funds.balanceOf(handle), DEPOSIT, `${handle} in escrow`);
          continue;
        }
        // Refunded to the wei: once its refund landed, a bidder holds what they had, less gas
        // and the price. (Read at that block: the demo deposits again for the next lot.)
        assertEquals(BigInt(refund?.amount_wei ?? "0"), DEPOSIT - paid, `${handle} refund`);
        const { blockNumber } = await client.getTransactionReceipt({
          hash: refund!.tx_hash as `0x${string}`,
        });
        const onChain = await client.getBalance({ address: bidder.address, blockNumber });
        assertEquals(onChain, DEV_BALANCE - gas - paid, handle);
      }

      // The replies on the fake X server.
      await until(
        "the results posted",
        () => fake.posts().some((p) => p.text.startsWith("SOLD: ")),
        2,
      );
      const posts = fake.posts().map((p) => p.text);
      const price = `${Number(winner.amountWei) / 1e18} ETH`;
      assert(posts.some((t) => t.startsWith(`SOLD: ${lot.item} to ${winner.handle} for ${price}`)));
      assert(posts.some((t) => t.startsWith(`${winner.handle} you won ${lot.item} for ${price}`)));
      for (const { handle } of linked) {
        assert(posts.some((t) => t.startsWith(`${handle} `) && t.includes("is linked")), handle);
      }

      // The day repeats: after the post-auction, the next lot is announced.
      await until("demo-2 scheduled", () => auctions.get("demo-2") !== null, 5);
      assertEquals(of<{ phase: string }>("campaign.phase").at(-1)?.phase, "pre-auction");
    } finally {
      await engine.stop();
    }
  },
});
