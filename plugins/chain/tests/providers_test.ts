import { type Hex, parseEther } from "viem";
import { linkContext, sealWallet } from "../pairing.ts";
import { FundsUnavailableError } from "../../auction/funds.ts";
import type { Funds } from "../../auction/funds.ts";
import { assert, assertEquals, assertRejects } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  CHAIN_ID,
  chainEngine,
  clientsFor,
  escrow,
  linkWallet,
  startAnvil,
} from "./chain_kit.ts";

const ready = await anvilAvailable();

Deno.test({
  name:
    "providers: two must agree to credit; one killed mid-test → funds unavailable, never a wrong answer",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // Two nodes with the same genesis, fed the same signed transactions and mined at the same
    // timestamps, serve the same chain (same block hashes): two providers of one network.
    const args = ["--no-mining", "--timestamp", "1700000000", "--slots-in-an-epoch", "1"];
    const nodes = [
      await startAnvil({ chainId: CHAIN_ID, args }),
      await startAnvil({ chainId: CHAIN_ID, args }),
    ];
    const clients = nodes.map((n) => clientsFor(n));
    let time = 1700000000;
    let nonce = 0;
    const [alice, bob] = bidders;
    const live = new Set([0, 1]);
    const mine = async (blocks = 1) => {
      for (let i = 0; i < blocks; i++) {
        time += 12;
        for (const n of live) {
          await clients[n].test.request({ method: "evm_mine", params: [time] } as never);
        }
      }
    };
    const deposit = async (value: bigint) => {
      const raw = await alice.signTransaction({
        chainId: CHAIN_ID,
        to: escrow.account.address,
        value,
        nonce: nonce++,
        gas: 21000n,
        maxFeePerGas: parseEther("0.00000005"),
        maxPriorityFeePerGas: 1n,
      });
      let hash: Hex | undefined;
      for (const n of live) {
        hash = await clients[n].client.sendRawTransaction({ serializedTransaction: raw });
      }
      return hash!;
    };
    const { engine, chain } = await chainEngine({ urls: nodes.map((n) => n.url) });
    try {
      const funds = engine.service<Funds>("funds");
      await linkWallet(engine, alice, "@alice", "1001");
      await linkWallet(engine, bob, "@bob", "1002");

      await t.step("both providers agree: the deposit is credited", async () => {
        await deposit(parseEther("1"));
        await mine(2);
        const [a, b] = await Promise.all(clients.map((c) => c.client.getBlock()));
        assertEquals(a.hash, b.hash);
        assertEquals(await funds.balanceOf("@alice"), parseEther("1"));
      });

      await t.step(
        "one node killed: a new deposit waits for the quorum; bids wait, not rejected",
        async () => {
          await nodes[1].stop();
          live.delete(1);
          await deposit(parseEther("0.5"));
          await mine(3);
          await assertRejects(() => funds.balanceOf("@alice"), FundsUnavailableError, /agree/);
          // A wallet with nothing waiting still gets its exact answer through the live provider.
          assertEquals(await funds.balanceOf("@bob"), 0n);
          const health = await engine.health();
          const rpc = health.checks["chain.rpc"];
          assert(!rpc.ok, JSON.stringify(rpc));
          assertEquals((rpc.providers as { ok: boolean }[]).map((p) => p.ok), [true, false]);
          const [row] = await engine.db.query<{ stage: string }>(
            "select stage from chain_deposits where amount_wei = $1",
            [parseEther("0.5")],
          );
          assertEquals(row.stage, "seen");
        },
      );

      await t.step(
        "both nodes down: the chain cannot be read → FundsUnavailableError",
        async () => {
          await nodes[0].stop();
          live.delete(0);
          await assertRejects(
            () => funds.balanceOf("@bob"),
            FundsUnavailableError,
            /cannot be read/,
          );
          assert(!(await engine.health()).ok);
        },
      );
      void chain;
    } finally {
      await engine.stop();
      for (const n of nodes) await n.stop();
    }
  },
});

Deno.test({
  name: "providers: RPC down at start → the engine starts, health says why, funds are unavailable",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const dead = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    listener.close();
    const { engine, chain } = await chainEngine({ urls: [dead] });
    try {
      await assertRejects(() => chain.sync(), Error);
      // A linked wallet's balance cannot be told now: the bid must wait, not be rejected.
      // Written as a link writes it: sealed (pairing.ts).
      const box = engine.secrets.box;
      const wallet = await sealWallet(box, bidders[0].address);
      await engine.db.query(
        `insert into chain_links (handle_key, handle, x_user_id, address, address_mac, linked_at, nonce)
         values ('@alice', '@alice', '1001', $1, $2, now(), 'n')`,
        [await box.seal(bidders[0].address, linkContext("1001")), wallet.mac],
      );
      await engine.db.query(
        `insert into chain_wallets (address_mac, address, x_user_id, linked_at)
         values ($1, $2, '1001', now())`,
        [wallet.mac, wallet.sealed],
      );
      await assertRejects(
        () => engine.service<Funds>("funds").balanceOf("@alice"),
        FundsUnavailableError,
        /cannot be read/,
      );
      const rpc = (await engine.health()).checks["chain.rpc"];
      assert(!rpc.ok, JSON.stringify(rpc));
    } finally {
      await engine.stop();
    }
  },
});
