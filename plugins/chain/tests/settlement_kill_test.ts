/**
 * Settlement killed with SIGKILL at every payment: a child engine is killed right
 * after it signs a payment, a new child resumes, and so on until it settles. Each
 * bidder is refunded exactly once, to the wei, and the escrow sent exactly 4 payments.
 */
import { getAddress, parseEther } from "viem";
import { erc721Abi } from "../custody.ts";
import { deployDemoNft } from "../embedded_chain.ts";
import type { PayoutRow } from "../settlement.ts";
import { assertEquals } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  CHAIN_ID,
  clientsFor,
  escrow,
  linkWallet,
  restartableEngines,
  withAnvil,
} from "./chain_kit.ts";

const ready = await anvilAvailable();

/** Runs a child engine; resolves with the stdout lines seen until `until` matched (then kills it). */
async function child(
  env: unknown,
  config: unknown,
  until: (line: string) => boolean,
  input?: unknown,
): Promise<string[]> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./settle_child.ts", import.meta.url).pathname],
    env: { SETTLE_ENV: JSON.stringify(env), SETTLE_CONFIG: JSON.stringify(config) },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = proc.stdin.getWriter();
  const seen: string[] = [];
  let buffer = "";
  try {
    for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        seen.push(line);
        if (line.includes('"ready":true') && input) {
          await writer.write(new TextEncoder().encode(JSON.stringify(input) + "\n"));
        }
        if (until(line)) {
          proc.kill("SIGKILL");
          await proc.status;
          return seen;
        }
      }
    }
  } finally {
    try {
      proc.kill("SIGKILL");
    } catch { /* gone */ }
    await proc.status;
  }
  throw new Error(`child exited early:\n${seen.join("\n")}`);
}

Deno.test({
  name:
    "settlement SIGKILLed after each payment it signs, resumed by a new process: nothing paid twice",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Interval mining: each payment waits for a block, so the kill lands between sign and receipt.
    await withAnvil(["--block-time", "1"], async (node) => {
      const { client, wallet } = clientsFor(node);
      const nft = await deployDemoNft(node.url, CHAIN_ID, escrow.privateKey, [1n]);
      const engines = restartableEngines({ urls: [node.url], config: { pollMs: 200 } });
      const [alice, bob, carol] = bidders;
      const deposits = [parseEther("2"), parseEther("1.5"), parseEther("1")];
      try {
        const { engine, chain } = await engines.start();
        for (const [i, account] of [alice, bob, carol].entries()) {
          await linkWallet(engine, account, ["@alice", "@bob", "@carol"][i], String(1001 + i));
          const hash = await wallet(account).sendTransaction({
            to: escrow.account.address,
            value: deposits[i],
          });
          await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
        }
        await client.waitForTransactionReceipt({
          hash: await wallet(alice).sendTransaction({ to: alice.address, value: 0n }),
          pollingInterval: 50,
        }); // one more block: 2 confirmations
        await chain.sync();
        engine.bus.emit("auction.opened", {
          auctionId: "a1",
          item: `eip155:${CHAIN_ID}/erc721:${nft}/1`,
        } as never);
        for (const [i, handle] of ["@alice", "@bob", "@carol"].entries()) {
          engine.bus.emit("bid.accepted", {
            auctionId: "a1",
            tweetId: `t${i}`,
            handle,
            bidderId: String(1001 + i),
          } as never);
        }
        await new Promise((r) => setTimeout(r, 200)); // let the handlers record them
        await engine.stop();

        const before = new Map<string, bigint>();
        for (const a of [alice, bob, carol, escrow.account]) {
          before.set(a.address, await client.getBalance({ address: a.address }));
        }
        const nonceBefore = await client.getTransactionCount({ address: escrow.account.address });
        const signed = (line: string) => line.includes('"msg":"payment signed"');
        const close = { auctionId: "a1", winner: "@bob", priceWei: String(parseEther("1.2")) };
        const runs: string[][] = [await child(engines.env, engines.config, signed, close)];
        for (let i = 0; i < 3; i++) runs.push(await child(engines.env, engines.config, signed));
        runs.push(await child(engines.env, engines.config, (l) => l.includes('"settled"')));
        // Each killed run signed one payment; the last one finished.
        assertEquals(runs.slice(0, 4).map((r) => r.filter(signed).length), [1, 1, 1, 1]);

        const { engine: after } = await engines.start();
        try {
          const rows = await after.db.query<PayoutRow>(
            "select * from chain_payouts where auction_id = 'a1' order by id",
          );
          assertEquals(rows.map((r) => r.state), [
            "confirmed",
            "confirmed",
            "confirmed",
            "confirmed",
          ]);
          assertEquals(
            await client.getTransactionCount({ address: escrow.account.address }),
            nonceBefore + 4,
          );
          const owner = await client.readContract({
            address: nft,
            abi: erc721Abi,
            functionName: "ownerOf",
            args: [1n],
          });
          assertEquals(getAddress(owner), bob.address);
          const refunds = [parseEther("2"), parseEther("0.3"), parseEther("1")];
          for (const [i, a] of [alice, bob, carol].entries()) {
            assertEquals(
              await client.getBalance({ address: a.address }),
              before.get(a.address)! + refunds[i],
            );
          }
          const fees = rows.reduce((sum, r) => sum + BigInt(r.fee_wei ?? "0"), 0n);
          assertEquals(
            await client.getBalance({ address: escrow.account.address }),
            before.get(escrow.account.address)! - parseEther("3.3") - fees,
          );
        } finally {
          await after.stop();
        }
      } finally {
        await engines.cleanup();
      }
    });
  },
});
