/**
 * Providers that fail and lie, as configured providers: anvil behind four URLs
 * — a stand-in that lies (the escrow's balance, every block hash), one that
 * answers HTTP 500, a faithful proxy and anvil itself — listed liar first, so a
 * plain fallback would read from it. No wrong credit, and health names both.
 * Then the liar beside a single honest provider: nothing can be agreed, so
 * nothing is credited and the bid waits.
 */
import { parseEther } from "viem";
import { FundsUnavailableError } from "../../auction/funds.ts";
import type { Funds } from "../../auction/funds.ts";
import type { ChainFunds } from "../chain_funds.ts";
import { assert, assertEquals, assertRejects } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  chainEngine,
  clientsFor,
  escrow,
  linkWallet,
  withAnvil,
} from "./chain_kit.ts";
import { failingRpc, lyingRpc } from "./rpc_stand_ins.ts";

const ready = await anvilAvailable();
type ProviderHealth = { url: string; ok: boolean; detail?: string; disagrees?: boolean };

Deno.test({
  name: "providers: one down, one lying (balance, block hashes) → exact credits, health names both",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await withAnvil([], async (node) => {
      const { client, test, wallet } = clientsFor(node);
      const liar = lyingRpc(node.url, {
        balanceOf: { address: escrow.account.address, extraWei: parseEther("0.5") },
        blockHashes: true,
      });
      const down = failingRpc();
      const honest = lyingRpc(node.url, {}); // a faithful proxy: a second honest provider
      const stands = [liar, down, honest];
      const [alice, bob] = bidders;
      try {
        const { engine } = await chainEngine({ urls: [liar.url, down.url, honest.url, node.url] });
        try {
          const funds = engine.service<Funds>("funds");
          await linkWallet(engine, alice, "@alice", "1001");
          await linkWallet(engine, bob, "@bob", "1002");
          await t.step("a deposit is credited at its true amount", async () => {
            const hash = await wallet(alice).sendTransaction({
              to: escrow.account.address,
              value: parseEther("1"),
            });
            await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
            await test.mine({ blocks: 2 });
            assertEquals(await funds.balanceOf("@alice"), parseEther("1"));
          });
          await t.step("the liar's inflated escrow balance is attributed to nobody", async () => {
            // A linked wallet active in a block where the liar shows an inflow: read from the
            // liar alone, the extra 0.5 ETH would be credited to alice by balance.
            const hash = await wallet(alice).sendTransaction({ to: bob.address, value: 1n });
            await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
            await test.mine({ blocks: 2 });
            assertEquals(await funds.balanceOf("@alice"), parseEther("1"));
            assertEquals(await funds.balanceOf("@bob"), 0n);
            const fromBalance = await engine.db.query(
              "select 1 from chain_deposits where source = 'balance'",
            );
            assertEquals(fromBalance.length, 0);
            assertEquals((await engine.db.query("select 1 from chain_unattributed")).length, 0);
            // The blocks recorded are the chain's, not the liar's.
            const [row] = await engine.db.query<{ number: string; hash: string }>(
              "select number, hash from chain_blocks order by number desc limit 1",
            );
            const block = await client.getBlock({ blockNumber: BigInt(row.number) });
            assertEquals(row.hash, block.hash);
          });
          await t.step("health names the lying provider and the one down", async () => {
            const rpc = (await engine.health()).checks["chain.rpc"];
            const providers = rpc.providers as ProviderHealth[];
            const byUrl = new Map(providers.map((p) => [p.url, p]));
            const liarHealth = byUrl.get(liar.url)!;
            assertEquals([liarHealth.ok, liarHealth.disagrees], [false, true]);
            assert(/disagrees with the quorum/.test(liarHealth.detail ?? ""), liarHealth.detail);
            const downHealth = byUrl.get(down.url)!;
            assertEquals([downHealth.ok, downHealth.disagrees], [false, undefined]);
            assert(/500|HTTP|failed/i.test(downHealth.detail ?? ""), downHealth.detail);
            assertEquals(byUrl.get(honest.url)!.ok, true);
            assertEquals(byUrl.get(node.url)!.ok, true);
            // The quorum holds, so bidding goes on; the detail says who is wrong.
            assert(rpc.ok, JSON.stringify(rpc));
            assert(String(rpc.detail).includes(liar.url), String(rpc.detail));
            assert(String(rpc.detail).includes(down.url), String(rpc.detail));
          });
        } finally {
          await engine.stop();
        }

        await t.step(
          "the liar beside one honest provider: nothing agreed, nothing credited",
          async () => {
            const { engine, chain } = await chainEngine({ urls: [liar.url, node.url] });
            try {
              const funds = engine.service("funds") as ChainFunds;
              const hash = await wallet(bob).sendTransaction({
                to: escrow.account.address,
                value: parseEther("0.3"),
              });
              await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
              await test.mine({ blocks: 2 });
              // A bid's balance check waits (FundsUnavailableError), it is never answered wrong.
              await assertRejects(() => funds.balanceOfAddress(bob.address), FundsUnavailableError);
              await assertRejects(() => chain.sync(), Error, /providers disagree/);
              const credited = await engine.db.query(
                "select 1 from chain_deposits where stage in ('pending', 'final')",
              );
              assertEquals(credited.length, 0);
              const rpc = (await engine.health()).checks["chain.rpc"];
              assert(!rpc.ok, JSON.stringify(rpc));
              assert(/providers disagree/.test(String(rpc.detail)), String(rpc.detail));
            } finally {
              await engine.stop();
            }
          },
        );
      } finally {
        for (const s of stands) await s.close();
      }
    });
  },
});
