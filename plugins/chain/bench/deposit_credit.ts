/**
 * How long from a deposit transaction to its `pending` credit and to its `final`
 * credit, on a real anvil with interval mining, through the plugin's own poll loop.
 *
 *   deno run -A plugins/chain/bench/deposit_credit.ts [deposits=30] [blockSeconds=1] [pollMs=100]
 *
 * With confirmations = 2 and finalized = head − 2 (slots-in-an-epoch 1), the floor is
 * about one block time for `pending` and three for `final`; the rest is our overhead.
 */
import { createWalletClient, http, parseEther } from "viem";
import { testEngine } from "../../../tests/engine.ts";
import { startAnvil } from "../anvil.ts";
import { bidders, CHAIN_ID, escrow, linkWallet } from "../tests/chain_kit.ts";
import { chainOf } from "../rpc.ts";

const [count = 30, blockSeconds = 1, pollMs = 100] = Deno.args.map(Number);
const node = await startAnvil({
  chainId: CHAIN_ID,
  args: ["--block-time", String(blockSeconds), "--slots-in-an-epoch", "1"],
});
const engine = await testEngine({
  plugins: {
    chain: {
      rpcUrls: node.url,
      chainId: CHAIN_ID,
      escrowPrivateKey: "${ESCROW_PRIVATE_KEY}",
      confirmations: 2,
      pollMs,
      headCacheMs: 0,
      startBlock: 0,
    },
  },
  env: { ESCROW_PRIVATE_KEY: escrow.privateKey },
});
try {
  const account = bidders[0];
  await linkWallet(engine, account, "@bench", "1");
  const sentAt = new Map<string, number>();
  const pending: number[] = [];
  const final: number[] = [];
  let done = 0;
  const finished = Promise.withResolvers<void>();
  engine.bus.on("deposit.credited", (e) => {
    const t0 = sentAt.get(e.payload.txHash);
    if (t0 === undefined) return;
    (e.payload.stage === "pending" ? pending : final).push(performance.now() - t0);
    if (e.payload.stage === "final" && ++done === count) finished.resolve();
  });
  const wallet = createWalletClient({
    account,
    chain: chainOf(CHAIN_ID, [node.url]),
    transport: http(node.url),
  });
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const hash = await wallet.sendTransaction({
      to: escrow.account.address,
      value: parseEther("0.01"),
    });
    sentAt.set(hash, t0);
    await new Promise((r) => setTimeout(r, (blockSeconds * 1000) / 3)); // spread over block phases
  }
  const timeout = setTimeout(
    () => finished.reject(new Error("timed out")),
    60_000 + count * blockSeconds * 1000,
  );
  await finished.promise;
  clearTimeout(timeout);
  const show = (name: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)].toFixed(0);
    console.log(
      `${name.padEnd(28)} n=${s.length}  median ${q(0.5)} ms  p95 ${q(0.95)} ms  p99 ${
        q(0.99)
      } ms  max ${q(1)} ms`,
    );
  };
  console.log(
    `anvil block time ${blockSeconds} s, confirmations 2, finalized = head − 2, poll every ${pollMs} ms`,
  );
  show("deposit tx → pending credit", pending);
  show("deposit tx → final credit", final);
} finally {
  await engine.stop();
  await node.stop();
}
