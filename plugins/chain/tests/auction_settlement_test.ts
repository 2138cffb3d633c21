/**
 * The chain plugin with the real auction plugin: bids checked against on-chain
 * escrow deposits through `funds`, the auction closed by the (virtual) clock, and
 * the close settled on anvil: the token to the winner, everyone refunded to the wei.
 * Settlement waits for receipts on the engine's clock, so the test moves the clock
 * on while it waits; once through a node that mines each payment only after its
 * first look, where a stopped clock would stop the settlement for good.
 */
import { getAddress, parseEther } from "viem";
import { type VirtualClock, virtualClock } from "../../../core/clock.ts";
import { testEngine } from "../../../tests/engine.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { Funds } from "../../auction/funds.ts";
import { erc721Abi } from "../custody.ts";
import { deployDemoNft } from "../embedded_chain.ts";
import type { ChainService } from "../mod.ts";
import { assert, assertEquals } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  CHAIN_ID,
  clientsFor,
  escrow,
  eventually,
  eventuallyAsTimePasses,
  linkWallet,
  withAnvil,
} from "./chain_kit.ts";
import { lateMinerRpc } from "./rpc_stand_ins.ts";

const ready = await anvilAvailable();
const T = (hm: string) => `2026-11-25T${hm}:00-05:00`;

Deno.test({
  name: "auction + chain: bids backed by escrow deposits, closed by the clock, settled on chain",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => withAnvil([], (node) => settleGenesis(node, node.url)),
});

Deno.test({
  name: "auction + chain: a payment mined after its first look is settled once the clock moves on",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const late = lateMinerRpc(node.url);
      try {
        await settleGenesis(node, late.url, async ({ receiptWaits, settled }) => {
          // The NFT's transfer, not found at its first look, waits 100 ms of the clock (pollMs
          // in mod.ts); nothing moves the clock here, so it waits still.
          await eventually(() => receiptWaits.length > 0, "the NFT's receipt waited for");
          assertEquals(late.late.length, 1);
          assertEquals(settled.length, 0);
        });
        assertEquals(late.late.length, 3); // the NFT and the two refunds, each late once
      } finally {
        await late.close();
      }
    });
  },
});

interface Closed {
  /** The clock's waits of a payment's receipt poll (100 ms), asked so far. */
  receiptWaits: number[];
  settled: unknown[];
}

/**
 * The scenario, its chain read through `rpcUrl`; `whileClosed` runs once the
 * auction closed, with the clock still, before the settlement is waited for.
 */
async function settleGenesis(
  node: { url: string },
  rpcUrl: string,
  whileClosed?: (closed: Closed) => Promise<void>,
) {
  const { client, test, wallet } = clientsFor(node);
  const nft = await deployDemoNft(node.url, CHAIN_ID, escrow.privateKey, [7n]);
  const virtual = virtualClock(Temporal.Instant.from(T("19:00")));
  const receiptWaits: number[] = [];
  const clock: VirtualClock = {
    ...virtual,
    after(ms, fn) {
      if (ms === 100) receiptWaits.push(ms);
      return virtual.after(ms, fn);
    },
  };
  const engine = await testEngine({
    clock,
    env: { ESCROW_PRIVATE_KEY: escrow.privateKey },
    plugins: {
      chain: {
        rpcUrls: rpcUrl,
        chainId: CHAIN_ID,
        escrowPrivateKey: "${ESCROW_PRIVATE_KEY}",
        confirmations: 2,
        pollMs: 3_600_000,
        headCacheMs: 0,
        startBlock: 0,
        lots: { "Genesis #7": `eip155:${CHAIN_ID}/erc721:${nft}/7` },
      },
      auction: {
        watermark: "clock",
        auctions: [{
          id: "genesis-7",
          item: "Genesis #7",
          startsAt: T("19:05"),
          endsAt: T("19:35"),
          reserve: "0.1 ETH",
        }],
      },
    },
  });
  try {
    const chain = engine.service<ChainService>("chain");
    const auctions = engine.service<Auctions>("auctions");
    const funds = engine.service<Funds>("funds");
    assert((await chain.checkCustody({ contract: nft, tokenId: 7n })).ok);
    // The auction's custody gate: the lot by item, none for an unknown item, a missing token.
    assert((await chain.checkAuctionCustody("genesis-7", "Genesis #7"))?.ok);
    assertEquals(await chain.checkAuctionCustody("other", "Not a lot"), null);
    const missing = await chain.checkAuctionCustody("x", `eip155:${CHAIN_ID}/erc721:${nft}/8`);
    assertEquals(missing && !missing.ok && missing.reason, `token 8 does not exist on ${nft}`);
    const [alice, bob] = bidders;
    await linkWallet(engine, alice, "@alice", "1001");
    await linkWallet(engine, bob, "@bob", "1002");
    for (const [account, eth] of [[alice, "1"], [bob, "2"]] as const) {
      const hash = await wallet(account).sendTransaction({
        to: escrow.account.address,
        value: parseEther(eth),
      });
      await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    }
    await test.mine({ blocks: 2 });
    assertEquals(await funds.balanceOf("@bob"), parseEther("2"));
    const before = new Map<string, bigint>();
    for (const a of [alice, bob]) {
      before.set(a.address, await client.getBalance({ address: a.address }));
    }

    const decisions: string[] = [];
    engine.bus.on("bid.accepted", (e) => void decisions.push(`${e.payload.handle} accepted`));
    engine.bus.on(
      "bid.rejected",
      (e) => void decisions.push(`${e.payload.handle} ${e.payload.reason}`),
    );
    const settled: unknown[] = [];
    engine.bus.on("auction.settled", (e) => void settled.push(e.payload));

    await clock.advanceTo(Temporal.Instant.from(T("19:10")));
    const bid = (id: string, handle: string, text: string, at: string) =>
      engine.bus.emit("bid.submitted", {
        tweetId: id,
        handle,
        text,
        tweetAt: T(at),
        receivedAt: clock.instant().toString(),
      } as never);
    bid("101", "@alice", "bid 0.5 ETH", "19:10");
    bid("102", "@bob", "bid 0.8 ETH", "19:10");
    bid("103", "@alice", "bid 1.5 ETH", "19:10"); // alice has 1 ETH in escrow
    await auctions.idle();
    assertEquals(decisions, ["@alice accepted", "@bob accepted", "@alice insufficient_funds"]);

    await clock.advanceTo(Temporal.Instant.from(T("20:40")));
    await auctions.idle();
    assertEquals(auctions.get("genesis-7")!.status, "closed");
    await whileClosed?.({ receiptWaits, settled });
    await eventuallyAsTimePasses(clock, () => settled.length > 0, "auction.settled");
    const owner = await client.readContract({
      address: nft,
      abi: erc721Abi,
      functionName: "ownerOf",
      args: [7n],
    });
    assertEquals(getAddress(owner), bob.address);
    assertEquals(
      await client.getBalance({ address: alice.address }),
      before.get(alice.address)! + parseEther("1"),
    );
    assertEquals(
      await client.getBalance({ address: bob.address }),
      before.get(bob.address)! + parseEther("1.2"),
    );
    assertEquals(await funds.balanceOf("@alice"), 0n);
    assertEquals(await funds.balanceOf("@bob"), 0n);
  } finally {
    await engine.stop();
  }
}
