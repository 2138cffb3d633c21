/**
 * The embedded default (no RPC_URLS): a local anvil whose state is kept in the
 * data folder, with the demo ERC-721 deployed and tokens minted into custody,
 * and anvil's funded dev accounts as demo bidders. The keys here are anvil's
 * public test mnemonic: they guard nothing.
 */
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import demoNft from "./contracts/demo_nft.json" with { type: "json" };
import { type AnvilNode, startAnvil } from "./anvil.ts";
import { erc721Abi } from "./custody.ts";
import { chainOf } from "./rpc.ts";

const TEST_MNEMONIC = "test test test test test test test test test test test junk";
export const EMBEDDED_CHAIN_ID = 31337;

export interface EmbeddedChain {
  node: AnvilNode;
  url: string;
  chainId: number;
  escrowKey: Hex;
  nft: Address;
  tokens: bigint[];
  bidders: { address: Address; privateKey: Hex }[];
}

export function devAccount(index: number) {
  const account = mnemonicToAccount(TEST_MNEMONIC, { addressIndex: index });
  const key = account.getHdKey().privateKey!;
  return {
    account,
    privateKey: `0x${[...key].map((b) => b.toString(16).padStart(2, "0")).join("")}` as Hex,
  };
}

/** Deploys the demo ERC-721 owned by `owner` and mints `tokens` to it. */
export async function deployDemoNft(url: string, chainId: number, ownerKey: Hex, tokens: bigint[]) {
  const { privateKeyToAccount } = await import("viem/accounts");
  const account = privateKeyToAccount(ownerKey);
  const chain = chainOf(chainId, [url]);
  const wallet = createWalletClient({ account, chain, transport: http(url) });
  const client = createPublicClient({ chain, transport: http(url), cacheTime: 0 });
  const hash = await wallet.deployContract({
    abi: demoNft.abi,
    bytecode: demoNft.bytecode as Hex,
    args: [account.address],
  });
  // Mine each setup transaction at once rather than waiting for interval mining.
  const mined = async (hash: Hex) => {
    await client.request({ method: "evm_mine", params: [] } as never).catch(() => {});
    return await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  };
  const receipt = await mined(hash);
  const nft = getAddress(receipt.contractAddress!);
  for (const tokenId of tokens) {
    const tx = await wallet.writeContract({
      address: nft,
      abi: erc721Abi,
      functionName: "mint",
      args: [account.address, tokenId],
    });
    await mined(tx);
  }
  return nft;
}

export async function startEmbeddedChain(options: {
  dataDir: string;
  blockTimeSeconds: number;
  bidders: number;
  tokens: number;
}): Promise<EmbeddedChain> {
  await Deno.mkdir(options.dataDir, { recursive: true });
  const stateFile = `${options.dataDir}/anvil-state.json`;
  const demoFile = `${options.dataDir}/demo.json`;
  const pidFile = `${options.dataDir}/anvil.pid`;
  await stopLeftover(pidFile);
  const node = await startAnvil({
    chainId: EMBEDDED_CHAIN_ID,
    detached: true,
    args: [
      "--block-time",
      String(options.blockTimeSeconds),
      // finalized = head − 2 × slots: a few blocks, so `final` credit comes quickly in the demo.
      "--slots-in-an-epoch",
      "2",
      // It keeps the state of the last dumped block only; the deposit scanner never asks
      // for an older one (its balance checkpoints), so a reload is seamless.
      "--state",
      stateFile,
      "--state-interval",
      "5",
    ],
  });
  await Deno.writeTextFile(pidFile, String(node.pid));
  const escrow = devAccount(0);
  const tokens = Array.from({ length: options.tokens }, (_, i) => BigInt(i + 1));
  const client = createPublicClient({
    chain: chainOf(EMBEDDED_CHAIN_ID, [node.url]),
    transport: http(node.url),
    cacheTime: 0,
  });
  let nft: Address | null = null;
  try {
    const saved = JSON.parse(await Deno.readTextFile(demoFile));
    const code = await client.getCode({ address: saved.nft });
    if (code && code !== "0x") nft = getAddress(saved.nft);
  } catch { /* first start */ }
  nft ??= await deployDemoNft(node.url, EMBEDDED_CHAIN_ID, escrow.privateKey, tokens);
  const bidders = Array.from({ length: options.bidders }, (_, i) => {
    const { account, privateKey } = devAccount(i + 1);
    return { address: account.address, privateKey };
  });
  await Deno.writeTextFile(
    demoFile,
    JSON.stringify(
      { rpcUrl: node.url, chainId: EMBEDDED_CHAIN_ID, nft, tokens: tokens.map(String), bidders },
      null,
      2,
    ),
  );
  return {
    node,
    url: node.url,
    chainId: EMBEDDED_CHAIN_ID,
    escrowKey: escrow.privateKey,
    nft,
    tokens,
    bidders,
  };
}

/**
 * An engine killed with SIGKILL cannot stop its anvil, which runs on in its own
 * session. The next start on the same data folder (the engine's lock makes it
 * exclusive) stops that leftover with SIGTERM, so it dumps its latest state
 * first, and waits for it to exit.
 */
async function stopLeftover(pidFile: string) {
  let pid: number;
  try {
    pid = Number(Deno.readTextFileSync(pidFile).trim());
  } catch {
    return;
  }
  const ours = () => {
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      return cmdline.includes("anvil") && cmdline.includes(pidFile.replace(/anvil\.pid$/, ""));
    } catch {
      return false; // gone already
    }
  };
  if (!ours()) return;
  Deno.kill(pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (ours() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (ours()) Deno.kill(pid, "SIGKILL");
}
