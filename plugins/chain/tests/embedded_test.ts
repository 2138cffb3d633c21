import { createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Funds } from "../../auction/funds.ts";
import type { ChainService } from "../mod.ts";
import { chainOf } from "../rpc.ts";
import { testEngine } from "../../../tests/engine.ts";
import { assert, assertEquals } from "../../../core/testing.ts";
import { anvilAvailable, eventually, linkWallet, restartableEngines } from "./chain_kit.ts";

const ready = await anvilAvailable();

Deno.test({
  name:
    "embedded default: no RPC_URLS → own anvil, demo ERC-721 in custody, funded bidders, live poll loop",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await testEngine({
      plugins: {
        chain: {
          pollMs: 100,
          confirmations: 2,
          embedded: { blockTimeSeconds: 0.2, bidders: 3, tokens: 2 },
        },
      },
    });
    let port = 0;
    try {
      const chain = engine.service<ChainService>("chain");
      const demo = chain.embedded;
      assert(demo);
      assertEquals(demo.tokens, [1n, 2n]);
      assertEquals(demo.bidders.length, 3);
      for (const tokenId of demo.tokens) {
        const custody = await chain.checkCustody({ contract: demo.nft, tokenId });
        assert(custody.ok, JSON.stringify(custody));
      }
      const demoFile = JSON.parse(await Deno.readTextFile(`${engine.dataDir}/chain/demo.json`));
      assertEquals(demoFile.nft, demo.nft);
      port = Number(new URL(demo.url).port);
      const bidder = privateKeyToAccount(demo.bidders[0].privateKey);
      await linkWallet(engine, bidder, "@demo1", "42");
      const credited: string[] = [];
      engine.bus.on("deposit.credited", (e) => void credited.push(e.payload.stage));
      const wallet = createWalletClient({
        account: bidder,
        chain: chainOf(chain.chainId, [demo.url]),
        transport: http(demo.url),
      });
      await wallet.sendTransaction({ to: chain.escrow, value: parseEther("3") });
      // Interval mining + the plugin's own poll loop, no test hand on either.
      await eventually(() => credited.includes("final"), "final credit", 15_000);
      assertEquals(credited, ["pending", "final"]);
      assertEquals(await engine.service<Funds>("funds").balanceOf("@demo1"), parseEther("3"));
      assert((await engine.health()).checks["chain.rpc"].ok);
    } finally {
      await engine.stop();
    }
    // The anvil it started is gone with it.
    const probe = await fetch(`http://127.0.0.1:${port}`, { method: "POST", body: "{}" }).then(
      () => "up",
      () => "down",
    );
    assertEquals(probe, "down");
  },
});

Deno.test({
  name: "embedded default across a restart: same chain, same demo NFT, same credited balance",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engines = restartableEngines({
      urls: [],
      config: { pollMs: 100, embedded: { blockTimeSeconds: 0.2, bidders: 2, tokens: 1 } },
    });
    let { engine, chain } = await engines.start();
    try {
      const demo = chain.embedded!;
      const bidder = privateKeyToAccount(demo.bidders[0].privateKey);
      await linkWallet(engine, bidder, "@demo1", "42");
      const wallet = createWalletClient({
        account: bidder,
        chain: chainOf(chain.chainId, [demo.url]),
        transport: http(demo.url),
      });
      await wallet.sendTransaction({ to: chain.escrow, value: parseEther("1.5") });
      const credited: string[] = [];
      engine.bus.on("deposit.credited", (e) => void credited.push(e.payload.stage));
      await eventually(() => credited.includes("final"), "final credit", 15_000);
      await engine.stop();

      ({ engine, chain } = await engines.start());
      assertEquals(chain.embedded!.nft, demo.nft);
      assertEquals(await engine.service<Funds>("funds").balanceOf("@demo1"), parseEther("1.5"));
      assert((await chain.checkCustody({ contract: demo.nft, tokenId: 1n })).ok);
    } finally {
      await engine.stop();
      await engines.cleanup();
    }
  },
});
