/**
 * The deposit scanner against nodes that cannot answer for old blocks: a pruned
 * node (anvil `--prune-history`, as real providers prune state) and an anvil
 * reloaded from `--state` (it keeps only the state of the last dumped block).
 * Every pass must succeed, deposits must be credited, and the steady state must
 * reconcile from the scanner's own balance checkpoint, not from old state.
 */
import { parseEther } from "viem";
import type { Funds } from "../../auction/funds.ts";
import { assert, assertEquals } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  CHAIN_ID,
  chainEngine,
  clientsFor,
  escrow,
  linkSmartWallet,
  linkWallet,
  restartableEngines,
  startAnvil,
  withAnvil,
} from "./chain_kit.ts";

const ready = await anvilAvailable();

/** A pass that begins now (`sync` joins one under way, which may have begun blocks ago). */
async function syncNow(chain: { sync(): Promise<{ scannedTo: bigint }> }) {
  await chain.sync();
  return await chain.sync();
}

Deno.test({
  name: "a pruned node: passes succeed, deposits are credited, inflows reconcile from checkpoints",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // The node keeps the state of its last 4 blocks only.
    await withAnvil(["--prune-history", "4"], async (node) => {
      const { client, test, wallet } = clientsFor(node);
      const { engine, chain } = await chainEngine({ urls: [node.url] });
      try {
        const [alice, , carol] = bidders;
        const funds = engine.service<Funds>("funds");
        await linkWallet(engine, alice, "@alice", "1001");
        const send = async (value: bigint) => {
          const hash = await wallet(alice).sendTransaction({ to: escrow.account.address, value });
          await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
          return hash;
        };
        const unattributed = () =>
          engine.db.query<{ amount_wei: string }>("select amount_wei from chain_unattributed");

        await t.step("a first pass over blocks whose state is gone", async () => {
          await test.mine({ blocks: 10 });
          await send(parseEther("1"));
          await test.mine({ blocks: 10 });
          // The genesis balance the first range starts from is pruned: the pass still succeeds.
          await client.getBalance({ address: escrow.account.address, blockNumber: 0n }).then(
            () => assert(false, "the node should have pruned block 0's state"),
            () => {},
          );
          const report = await syncNow(chain);
          assertEquals(report.scannedTo, await client.getBlockNumber());
          assertEquals(await funds.balanceOf("@alice"), parseEther("1"));
          assertEquals(await unattributed(), []);
          assertEquals(chain.embedded, null);
        });

        await t.step("later passes start from the checkpoint, however far back it is", async () => {
          await test.mine({ blocks: 12 }); // the last pass's block is pruned now
          await send(parseEther("0.5"));
          await test.mine({ blocks: 2 });
          await chain.sync();
          assertEquals(await funds.balanceOf("@alice"), parseEther("1.5"));
          assertEquals(await unattributed(), []); // the checkpoint explained the range exactly
          assert((await engine.health()).checks["chain.rpc"].ok);
        });

        await t.step("an internal-call inflow within the kept window is attributed", async () => {
          const smart = await linkSmartWallet(engine, node, carol, "@carol", "1003");
          await chain.sync();
          const execute = (wei: bigint) => smart.send(escrow.account.address, wei);
          await execute(parseEther("0.25"));
          await test.mine({ blocks: 1 });
          assertEquals(await funds.balanceOf("@carol"), parseEther("0.25"));

          // Beyond the kept window its block cannot be found, but the amount is not lost.
          await execute(parseEther("0.1"));
          await test.mine({ blocks: 8 });
          await chain.sync();
          assertEquals(await unattributed(), [{ amount_wei: parseEther("0.1").toString() }]);
          assert((await engine.health()).checks["chain.rpc"].ok);
        });
      } finally {
        await engine.stop();
      }
    });
  },
});

Deno.test({
  name: "anvil reloaded from --state with the scan cursor behind its dumped block: no failed pass",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "sothebais-anvil-state-" });
    const args = ["--state", `${dir}/state.json`];
    let node = await startAnvil({ chainId: CHAIN_ID, args });
    const engines = restartableEngines({ urls: [] });
    try {
      // The engine follows this node's URL, whatever port it gets on each start.
      const start = async () => {
        engines.config.rpcUrls = node.url;
        return await engines.start();
      };
      let { engine, chain } = await start();
      const [alice] = bidders;
      await linkWallet(engine, alice, "@alice", "1001");
      const { client, test, wallet } = clientsFor(node);
      const hash = await wallet(alice).sendTransaction({
        to: escrow.account.address,
        value: parseEther("2"),
      });
      await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      await test.mine({ blocks: 3 });
      const cursor = (await syncNow(chain)).scannedTo;
      await engine.stop();
      await test.mine({ blocks: 3 }); // the node goes on; its dump is ahead of the cursor
      await node.stop("SIGTERM");

      node = await startAnvil({ chainId: CHAIN_ID, args });
      const reloaded = clientsFor(node);
      assertEquals(await reloaded.client.getBlockNumber(), cursor + 3n);
      await reloaded.client.getBalance({ address: escrow.account.address, blockNumber: cursor })
        .then(() => assert(false, "a reloaded anvil should not answer for the cursor's block"))
        .catch(() => {});
      ({ engine, chain } = await start());
      try {
        const report = await syncNow(chain);
        assertEquals(report.scannedTo, cursor + 3n);
        assertEquals(await engine.service<Funds>("funds").balanceOf("@alice"), parseEther("2"));
        assert((await engine.health()).checks["chain.rpc"].ok);
      } finally {
        await engine.stop();
      }
    } finally {
      await node.stop();
      await engines.cleanup();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
