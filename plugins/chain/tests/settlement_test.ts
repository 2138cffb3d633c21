import { type Address, getAddress, type Hash, parseEther } from "viem";
import type { Funds } from "../../auction/funds.ts";
import { erc721Abi } from "../custody.ts";
import { deployDemoNft } from "../embedded_chain.ts";
import type { ChainService } from "../mod.ts";
import type { PayoutRow } from "../settlement.ts";
import { assert, assertEquals, assertMatch } from "../../../core/testing.ts";
import {
  anvilAvailable,
  type AnvilNode,
  bidders,
  CHAIN_ID,
  clientsFor,
  escrow,
  eventually,
  linkWallet,
  restartableEngines,
  withAnvil,
} from "./chain_kit.ts";
import type { Engine } from "../../../core/engine.ts";

const ready = await anvilAvailable();
const [alice, bob, carol] = bidders;
const deposits = new Map<Address, bigint>([
  [alice.address, parseEther("2")],
  [bob.address, parseEther("1.5")],
  [carol.address, parseEther("1")],
]);
const price = parseEther("1.2"); // bob wins

/** Links three bidders, deposits, credits, opens and closes auction a1 (bob wins token 1). */
async function stage(node: AnvilNode, engine: Engine, chain: ChainService) {
  const { client, test, wallet } = clientsFor(node);
  const nft = await deployDemoNft(node.url, CHAIN_ID, escrow.privateKey, [1n, 2n]);
  const handles = ["@alice", "@bob", "@carol"];
  const spentOnGas = new Map<Address, bigint>();
  for (const [i, account] of [alice, bob, carol].entries()) {
    await linkWallet(engine, account, handles[i], String(1001 + i));
    const hash = await wallet(account).sendTransaction({
      to: escrow.account.address,
      value: deposits.get(account.address)!,
    });
    const r = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    spentOnGas.set(account.address, r.gasUsed * r.effectiveGasPrice);
  }
  await test.mine({ blocks: 2 });
  await chain.sync();
  const funds = engine.service<Funds>("funds");
  assertEquals(await funds.balanceOf("@bob"), parseEther("1.5"));
  const before = new Map<Address, bigint>();
  for (const a of [alice, bob, carol, escrow.account]) {
    before.set(a.address, await client.getBalance({ address: a.address }));
  }
  const item = `eip155:${CHAIN_ID}/erc721:${nft}/1`;
  engine.bus.emit("auction.opened", { auctionId: "a1", item, startsAt: "", endsAt: "" } as never);
  // As the auction tells them; the handle-only bids of sources without user ids are kept too.
  const bids = [["@alice", "1001", "1"], ["@carol", undefined, "1"], ["@bob", "1002", "1.2"]];
  for (const [i, [handle, bidderId, amount]] of bids.entries()) {
    engine.bus.emit(
      "bid.accepted",
      {
        auctionId: "a1",
        tweetId: `t${i}`,
        handle,
        bidderId,
        amountWei: parseEther(amount!),
      } as never,
    );
  }
  return { nft, before, spentOnGas, client, test };
}

/** The pending transaction with this hash in anvil's pool, if it is there. */
async function inPool(test: ReturnType<typeof clientsFor>["test"], hash: string) {
  const pool = await test.request({ method: "txpool_content" } as never) as {
    pending: Record<string, Record<string, { hash: string }>>;
  };
  return Object.values(pool.pending).flatMap((byNonce) => Object.values(byNonce))
    .find((t) => t.hash === hash);
}

const closeA1 = (engine: Engine) =>
  engine.bus.emit("auction.closed", {
    auctionId: "a1",
    winner: { handle: "@bob", amountWei: price, tweetId: "t9" },
    runnerUp: { handle: "@alice", amountWei: parseEther("1") },
    at: "2026-11-25T21:00:00-05:00",
  } as never);

const payouts = (engine: Engine) =>
  engine.db.query<PayoutRow>("select * from chain_payouts where auction_id = 'a1' order by id");

/** After settlement: the winner owns the token; everyone else got back exactly what they had. */
async function assertSettled(
  s: Awaited<ReturnType<typeof stage>>,
  engine: Engine,
  extraEscrowTxs: number,
  aliceHeld = 0n,
) {
  const { client, nft, before } = s;
  const owner = await client.readContract({
    address: nft,
    abi: erc721Abi,
    functionName: "ownerOf",
    args: [1n],
  });
  assertEquals(getAddress(owner), bob.address);
  const rows = await payouts(engine);
  assert(
    rows.every((r) => r.state === "confirmed"),
    JSON.stringify(rows.map((r) => [r.kind, r.state, r.error])),
  );
  assertEquals(
    rows.filter((r) => r.kind === "refund").map((r) => [r.address, BigInt(r.amount_wei)]),
    [
      [alice.address, parseEther("2") - aliceHeld],
      [bob.address, parseEther("0.3")],
      [carol.address, parseEther("1")],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  // Bidders: refunded to the wei (the escrow pays the refund gas).
  assertEquals(
    await client.getBalance({ address: alice.address }),
    before.get(alice.address)! + parseEther("2") - aliceHeld,
  );
  assertEquals(
    await client.getBalance({ address: bob.address }),
    before.get(bob.address)! + parseEther("0.3"),
  );
  assertEquals(
    await client.getBalance({ address: carol.address }),
    before.get(carol.address)! + parseEther("1"),
  );
  // Escrow: out went the refunds and exactly the fees of the transactions it recorded.
  const fees = rows.reduce((sum, r) => sum + BigInt(r.fee_wei ?? "0"), 0n);
  const escrowNow = await client.getBalance({ address: escrow.account.address });
  return { fees, escrowNow, rows, extraEscrowTxs };
}

Deno.test({
  name:
    "settlement: NFT to the winner, price debited, everyone else refunded to the wei; re-run pays nothing",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const engines = restartableEngines({ urls: [node.url] });
      const { engine, chain } = await engines.start();
      try {
        const s = await stage(node, engine, chain);
        assertEquals(await chain.checkCustody({ contract: s.nft, tokenId: 1n }), {
          ok: true,
          owner: escrow.account.address,
          via: "owner",
        });
        const missing = await chain.checkCustody({ contract: s.nft, tokenId: 99n });
        assertMatch(missing.ok ? "" : missing.reason, /does not exist/);
        const settled: unknown[] = [];
        engine.bus.on("auction.settled", (e) => void settled.push(e.payload));
        const nonceBefore = await s.client.getTransactionCount({ address: escrow.account.address });
        // Alice leads another auction still open with 0.5 ETH: that much stays in escrow.
        engine.bus.emit("auction.updated", {
          auctionId: "a2",
          item: "Another lot",
          status: "open",
          leader: { handle: "@Alice", amountWei: parseEther("0.5"), tweetId: "t2" },
        } as never);
        closeA1(engine);
        await eventually(() => settled.length > 0, "auction.settled");
        const held = parseEther("0.5");
        const { fees, escrowNow, rows } = await assertSettled(s, engine, 0, held);
        const nftTx = rows.find((r) => r.kind === "nft")!.tx_hash;
        assertEquals(settled, [{ auctionId: "a1", winner: "@bob", txHash: nftTx }]);
        assertEquals(
          escrowNow,
          s.before.get(escrow.account.address)! - parseEther("3.3") + held - fees,
        );
        const funds = engine.service<Funds>("funds");
        assertEquals(await funds.balanceOf("@alice"), held);
        for (const h of ["@bob", "@carol"]) assertEquals(await funds.balanceOf(h), 0n, h);
        // Token 1 left custody: a new auction of it would not open.
        const gone = await chain.checkCustody({ contract: s.nft, tokenId: 1n });
        assertMatch(gone.ok ? "" : gone.reason, /owned by 0x/);
        // Running it again pays nothing, and tells the auction again (it may have missed it).
        assertEquals(await chain.settle("a1"), "settled");
        assertEquals(
          await s.client.getTransactionCount({ address: escrow.account.address }),
          nonceBefore + 4,
        );
        assertEquals(settled, [settled[0], settled[0]]);
      } finally {
        await engine.stop();
        await engines.cleanup();
      }
    });
  },
});

Deno.test({
  name:
    "settlement survives crashes at every step and never pays twice; a failed refund is a claim the admin retries",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const engines = restartableEngines({ urls: [node.url] });
      let { engine, chain } = await engines.start();
      try {
        const s = await stage(node, engine, chain);
        const { test, client } = s;
        const nonceBefore = await client.getTransactionCount({ address: escrow.account.address });
        await test.setAutomine(false);

        // Crash 1: the NFT transfer was signed and stored, but never reached the node.
        closeA1(engine);
        const signed = await eventually(
          async () => (await payouts(engine)).find((r) => r.kind === "nft" && r.raw_tx),
          "nft signed",
        );
        await engine.stop();
        await test.request(
          { method: "anvil_dropTransaction", params: [signed.tx_hash as Hash] } as never,
        );

        // Crash 2: restarted, it re-sends the same signed bytes; then dies with a refund in the mempool.
        ({ engine, chain } = await engines.start());
        let run = chain.settle("a1").catch(() => "stopped");
        const resent = await eventually(
          () => inPool(test, signed.tx_hash!),
          "NFT transfer re-sent",
        );
        assertEquals(resent.hash, signed.tx_hash);
        await test.mine({ blocks: 1 });
        const firstRefund = await eventually(
          async () => (await payouts(engine)).find((r) => r.kind === "refund" && r.raw_tx),
          "first refund signed",
        );
        await engine.stop();
        await run;
        await test.mine({ blocks: 1 }); // the refund sent before the crash lands

        // Run 3: the second refund is replaced on chain (its nonce taken by another transaction).
        ({ engine, chain } = await engines.start());
        run = chain.settle("a1").catch((e) => String(e));
        const second = await eventually(
          async () =>
            (await payouts(engine)).find((r) =>
              r.kind === "refund" && r.raw_tx && r.id !== firstRefund.id
            ),
          "second refund signed",
        );
        await eventually(() => inPool(test, second.tx_hash!), "second refund broadcast");
        await test.request(
          { method: "anvil_dropTransaction", params: [second.tx_hash as Hash] } as never,
        );
        const { wallet } = clientsFor(node);
        const replacement = await wallet(escrow.account).sendTransaction({
          to: escrow.account.address,
          value: 0n,
          nonce: Number(second.tx_nonce),
        });
        await test.mine({ blocks: 1 });
        const third = await eventually(
          async () =>
            (await payouts(engine)).find((r) =>
              r.kind === "refund" && r.raw_tx && r.id !== firstRefund.id && r.id !== second.id
            ),
          "third refund signed",
        );
        await eventually(() => inPool(test, third.tx_hash!), "third refund broadcast");
        await test.mine({ blocks: 1 });
        assertEquals(await run, "claims-open");

        const claims = await chain.claims();
        assertEquals(claims.map((c) => c.id), [second.id]);
        assertMatch(claims[0].error ?? "", /nonce/);
        await test.setAutomine(true);
        const retried = await chain.retryClaim(second.id);
        assertEquals(retried.state, "confirmed");
        assert(retried.tx_hash !== second.tx_hash);
        assertEquals(await chain.settle("a1"), "settled");
        assertEquals((await chain.claims()).length, 0);

        const { fees, escrowNow } = await assertSettled(s, engine, 1);
        // Escrow sent 4 payouts (NFT + 3 refunds; the replaced one never ran) + the replacement.
        assertEquals(
          await client.getTransactionCount({ address: escrow.account.address }),
          nonceBefore + 5,
        );
        const r = await client.getTransactionReceipt({ hash: replacement });
        assertEquals(
          escrowNow,
          s.before.get(escrow.account.address)! - parseEther("3.3") - fees -
            r.gasUsed * r.effectiveGasPrice,
        );
      } finally {
        await engine.stop();
        await engines.cleanup();
      }
    });
  },
});

Deno.test({
  name: "settlement: a bidder who asked to keep their balance is not refunded; it stays credited",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const engines = restartableEngines({ urls: [node.url] });
      const { engine, chain } = await engines.start();
      try {
        await stage(node, engine, chain);
        // Asked the way a bidder asks: a `keep` tweet, as the x plugin passes it on.
        const kept: Array<{ ok: boolean }> = [];
        engine.bus.on("funds.kept", (e) => void kept.push(e.payload as { ok: boolean }));
        engine.bus.emit("funds.keep-requested", { tweetId: "77", handle: "@carol", keep: true });
        await eventually(() => kept.length > 0, "funds.kept");
        assertEquals(kept, [{
          tweetId: "77",
          handle: "@carol",
          keep: true,
          ok: true,
          message: "your unspent escrow stays for the next auction. Tweet refund to undo.",
        }] as unknown[]);
        const settled: unknown[] = [];
        engine.bus.on("auction.settled", (e) => void settled.push(e.payload));
        closeA1(engine);
        await eventually(() => settled.length > 0, "auction.settled");
        const refunded = (await payouts(engine)).filter((r) => r.kind === "refund").map((r) =>
          r.address
        );
        assertEquals(refunded, [alice.address, bob.address].sort());
        assertEquals(await engine.service<Funds>("funds").balanceOf("@carol"), parseEther("1"));
      } finally {
        await engine.stop();
        await engines.cleanup();
      }
    });
  },
});

Deno.test({
  name:
    "settlement: a win in another closed auction not yet debited stays in escrow; once debited, or with no winner, it does not",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // [a2's settlement row (none: not started), alice's expected hold]
    const cases: Array<[string, string | null, bigint]> = [
      ["not started", null, parseEther("0.5")],
      [
        "planned",
        "insert into chain_settlements values ('a2', 'planned', '@alice')",
        parseEther("0.5"),
      ],
      [
        "failed before debit",
        "insert into chain_settlements values ('a2', 'failed', '@alice')",
        parseEther("0.5"),
      ],
      ["debited", "insert into chain_settlements values ('a2', 'debited', '@alice')", 0n],
      ["reserve not met", "insert into chain_settlements values ('a2', 'refunding', null)", 0n],
    ];
    for (const [label, row, held] of cases) {
      await withAnvil([], async (node) => {
        const engines = restartableEngines({ urls: [node.url] });
        const { engine, chain } = await engines.start();
        try {
          await stage(node, engine, chain);
          // Alice won a2 with 0.5 ETH; a2 closed at the same time as a1.
          engine.bus.emit("auction.updated", {
            auctionId: "a2",
            item: "Another lot",
            status: "closed",
            leader: { handle: "@alice", amountWei: parseEther("0.5"), tweetId: "t2" },
          } as never);
          if (row) {
            await eventually(
              async () =>
                (await engine.db.query(
                  "select 1 from chain_auction_leaders where auction_id = 'a2'",
                ))
                  .length > 0,
              "a2's leader recorded",
            );
            await engine.db.query(
              row.replace(
                "values (",
                "(auction_id, state, winner_handle, created_at, updated_at) values (",
              )
                .replace(/\)$/, ", now(), now())"),
            );
          }
          const settled: unknown[] = [];
          engine.bus.on("auction.settled", (e) => void settled.push(e.payload));
          closeA1(engine);
          await eventually(() => settled.length > 0, "auction.settled");
          const alice = (await payouts(engine)).find((r) =>
            r.kind === "refund" && getAddress(r.address) === bidders[0].address
          );
          assertEquals(BigInt(alice?.amount_wei ?? "0"), parseEther("2") - held, label);
          assertEquals(await engine.service<Funds>("funds").balanceOf("@alice"), held, label);
        } finally {
          await engine.stop();
          await engines.cleanup();
        }
      });
    }
  },
});
