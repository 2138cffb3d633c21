import { type Hex, parseEther } from "viem";
import type { Events } from "../../../core/bus.ts";
import type { Funds } from "../../auction/funds.ts";
import { assert, assertEquals } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  chainEngine,
  clientsFor,
  escrow,
  linkSmartWallet,
  linkWallet,
  withAnvil,
} from "./chain_kit.ts";

const ready = await anvilAvailable();

Deno.test({
  name:
    "deposits: seen → pending (N confirmations) → final (≤ finalized); a reorg reverses; tx-hash bids",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // finalized = head − 2 × slots-in-an-epoch = head − 2
    await withAnvil(["--slots-in-an-epoch", "1"], async (node) => {
      const { client, test, wallet } = clientsFor(node);
      const { engine, chain } = await chainEngine({ urls: [node.url] });
      try {
        const [alice, bob] = bidders;
        await linkWallet(engine, alice, "@alice", "1001");
        await linkWallet(engine, bob, "@bob", "1002");
        const funds = engine.service<Funds>("funds");
        const credited: {
          stage: string;
          amountWei: bigint;
          handle: string | null;
          xUserId?: string | null;
          txHash: string;
        }[] = [];
        const reversed: Events["deposit.reversed"][] = [];
        engine.bus.on("deposit.credited", (e) => void credited.push(e.payload));
        engine.bus.on("deposit.reversed", (e) => void reversed.push(e.payload));
        const send = (value: bigint, from = alice) =>
          wallet(from).sendTransaction({ to: escrow.account.address, value });
        let first: Hex;

        await t.step("credited pending after 2 confirmations, final once finalized", async () => {
          first = await send(parseEther("1"));
          await client.waitForTransactionReceipt({ hash: first, pollingInterval: 20 });
          await chain.sync();
          assertEquals(await funds.balanceOf("@alice"), 0n); // 1 confirmation
          assertEquals(credited.length, 0);
          await test.mine({ blocks: 1 });
          assertEquals(await funds.balanceOf("@alice"), parseEther("1")); // balanceOf syncs on a new block
          assertEquals(credited.map((c) => [c.stage, c.handle, c.xUserId, c.amountWei]), [[
            "pending",
            "@alice",
            "1001",
            parseEther("1"),
          ]]);
          await test.mine({ blocks: 2 });
          await chain.sync();
          assertEquals(credited.map((c) => c.stage), ["pending", "final"]);
          assertEquals(await funds.balanceOf("@alice"), parseEther("1"));
          const [row] = await engine.db.query<{ block_hash: string; stage: string }>(
            "select block_hash, stage from chain_deposits where tx_hash = $1",
            [first],
          );
          const receipt = await client.getTransactionReceipt({ hash: first });
          assertEquals(row, { block_hash: receipt.blockHash, stage: "final" });
        });

        await t.step(
          "a reorg (anvil snapshot/revert) that drops a pending deposit reverses it",
          async () => {
            const snapshot = await test.snapshot();
            const hash = await send(parseEther("0.5"));
            await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
            await test.mine({ blocks: 1 });
            await chain.sync();
            assertEquals(await funds.balanceOf("@alice"), parseEther("1.5"));
            await test.revert({ id: snapshot });
            await test.mine({ blocks: 3 }); // the other branch is longer
            await chain.sync();
            assertEquals(reversed, [{
              txHash: hash,
              address: alice.address,
              xUserId: "1001",
              amountWei: parseEther("0.5"),
            }]);
            assertEquals(await funds.balanceOf("@alice"), parseEther("1"));
            // The scan cursor followed the new branch.
            const head = await client.getBlock();
            const [stored] = await engine.db.query<{ hash: string }>(
              "select hash from chain_blocks where number = $1",
              [head.number],
            );
            assertEquals(stored.hash, head.hash);
          },
        );

        await t.step(
          "a bid naming a tx hash: from the linked wallet, to escrow, enough value",
          async () => {
            assertEquals(await chain.verifyDepositTx("@alice", first, parseEther("1")), {
              ok: true,
              amountWei: parseEther("1"),
              stage: "final",
            });
            const small = await chain.verifyDepositTx("@alice", first, parseEther("2"));
            assertEquals(small.ok ? "" : small.reason, "too-small");
            const other = await chain.verifyDepositTx("@bob", first, 1n);
            assertEquals(other.ok ? "" : other.reason, "wrong-sender");
            const elsewhere = await wallet(bob).sendTransaction({ to: alice.address, value: 1n });
            await client.waitForTransactionReceipt({ hash: elsewhere, pollingInterval: 20 });
            const notEscrow = await chain.verifyDepositTx("@bob", elsewhere, 1n);
            assertEquals(notEscrow.ok ? "" : notEscrow.reason, "not-to-escrow");
            const nobody = await chain.verifyDepositTx("@zed", first, 1n);
            assertEquals(nobody.ok ? "" : nobody.reason, "not-linked");
          },
        );

        await t.step(
          "a smart-contract wallet links by ERC-1271 and its internal-call deposit is found by balance",
          async () => {
            const carol = bidders[2];
            const { address: smart, send: sendFrom } = await linkSmartWallet(
              engine,
              node,
              carol,
              "@carol",
              "1003",
            );
            assertEquals(await funds.walletOf("@carol"), smart);
            const call = await sendFrom(escrow.account.address, parseEther("0.25"));
            await test.mine({ blocks: 1 });
            assertEquals(await funds.balanceOf("@carol"), parseEther("0.25"));
            const [row] = await engine.db.query<
              { source: string; tx_hash: string; address: string }
            >(
              "select source, tx_hash, address from chain_deposits where address = $1",
              [smart],
            );
            assertEquals(row, { source: "balance", tx_hash: call, address: smart });
          },
        );

        const health = await engine.health();
        assert(health.checks["chain.rpc"].ok, JSON.stringify(health.checks["chain.rpc"]));
      } finally {
        await engine.stop();
      }
    });
  },
});
