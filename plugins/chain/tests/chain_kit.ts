/**
 * Test helpers for the chain plugin: real anvil nodes, engines configured
 * against them, dev accounts, and the link flow driven the way users drive it.
 */
import {
  type Account,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  publicActions,
  type PublicClient,
  walletActions,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Clock, VirtualClock } from "../../../core/clock.ts";
import { anvilBinary, type AnvilNode, startAnvil } from "../anvil.ts";
import { devAccount } from "../embedded_chain.ts";
import { chainOf } from "../rpc.ts";
import demoWallet from "../contracts/demo_wallet.json" with { type: "json" };
import type { ChainService } from "../mod.ts";
import { testEngine } from "../../../tests/engine.ts";
import type { Engine } from "../../../core/engine.ts";
import { eventually, startTestEngine } from "../../../core/testing.ts";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";

export const CHAIN_ID = 31337;
export const escrow = devAccount(0);
export const bidderKeys: Hex[] = [1, 2, 3, 4, 5].map((i) => devAccount(i).privateKey);
export const bidders = bidderKeys.map((k) => privateKeyToAccount(k));

export function anvilAvailable(): Promise<boolean> {
  return serviceAvailable("anvil", () => commandWorks(anvilBinary(), ["--version"]));
}

export function clientsFor(node: { url: string }) {
  const chain = chainOf(CHAIN_ID, [node.url]);
  const client = createPublicClient({
    chain,
    transport: http(node.url),
    cacheTime: 0,
  }) as PublicClient;
  const test = createTestClient({ chain, mode: "anvil", transport: http(node.url), cacheTime: 0 })
    .extend(publicActions).extend(walletActions);
  const wallet = (account: Account) =>
    createWalletClient({ account, chain, transport: http(node.url), cacheTime: 0 });
  return { chain, client, test, wallet };
}

export async function chainEngine(options: {
  urls: string[];
  clock?: Clock;
  config?: Record<string, unknown>;
  listen?: boolean;
}) {
  const engine = await testEngine({
    plugins: {
      chain: {
        rpcUrls: options.urls.join(","),
        chainId: CHAIN_ID,
        escrowPrivateKey: "${ESCROW_PRIVATE_KEY}",
        confirmations: 2,
        pollMs: 3_600_000, // tests drive passes by hand
        headCacheMs: 0,
        startBlock: 0,
        linkDomain: "auction.test",
        linkUri: "https://auction.test/link",
        ...options.config,
      },
    },
    clock: options.clock,
    listen: options.listen,
    env: { ESCROW_PRIVATE_KEY: escrow.privateKey },
  });
  return { engine, chain: engine.service<ChainService>("chain") };
}

/** Links `account` to `handle` through the page's HTTP steps and a `link <code>` tweet. */
export async function linkWallet(
  engine: Engine,
  account: { address: Address; signMessage: (a: { message: string }) => Promise<Hex> },
  handle: string,
  xUserId: string,
) {
  const challenge = await postJson(engine, "/link/challenge", {
    address: account.address,
    handle,
    xUserId,
    chainId: CHAIN_ID,
  });
  if (!challenge.ok) throw new Error(`challenge refused: ${challenge.message}`);
  const signature = await account.signMessage({ message: challenge.message });
  const signed = await postJson(engine, "/link/signature", {
    message: challenge.message,
    signature,
  });
  if (!signed.ok) throw new Error(`signature refused: ${signed.message}`);
  const chain = engine.service<ChainService>("chain");
  const done = await chain.link({
    tweetId: `t-${crypto.randomUUID()}`,
    authorId: xUserId,
    handle,
    proof: signed.code,
  });
  if (!done.ok) throw new Error(`link refused: ${done.reason}`);
  return done.address;
}

/**
 * A smart-contract wallet (the demo ERC-1271 wallet, funded with 1 ETH) owned by `owner`,
 * linked to `handle` (the owner's key signs; the contract vouches for it), and a way to
 * make it send ETH by an internal call.
 */
export async function linkSmartWallet(
  engine: Engine,
  node: { url: string },
  owner: Account & { signMessage: NonNullable<Account["signMessage"]> },
  handle: string,
  xUserId: string,
) {
  const { client, wallet } = clientsFor(node);
  const deploy = await wallet(owner).deployContract({
    abi: demoWallet.abi,
    bytecode: demoWallet.bytecode as Hex,
    args: [owner.address],
    value: 10n ** 18n,
  });
  const { contractAddress } = await client.waitForTransactionReceipt({
    hash: deploy,
    pollingInterval: 20,
  });
  const address = getAddress(contractAddress!);
  await linkWallet(engine, { address, signMessage: (m) => owner.signMessage(m) }, handle, xUserId);
  return {
    address,
    /** Sends `wei` to `to` from the wallet contract, mined. */
    async send(to: Address, wei: bigint) {
      const hash = await wallet(owner).writeContract({
        address,
        abi: demoWallet.abi,
        functionName: "execute",
        args: [to, wei, "0x"],
      });
      await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      return hash;
    },
  };
}

export async function postJson(
  engine: { http: { fetch: (r: Request) => Response | Promise<Response> } },
  path: string,
  body: unknown,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const res = await engine.http.fetch(
    new Request(`http://local${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return await res.json();
}

export async function withAnvil<T>(
  args: string[],
  fn: (node: AnvilNode) => Promise<T>,
): Promise<T> {
  const node = await startAnvil({ chainId: CHAIN_ID, args });
  try {
    return await fn(node);
  } finally {
    await node.stop();
  }
}

export { startAnvil };
export type { AnvilNode };

/**
 * An engine over storage that outlives it (same data folder and schema), to
 * stop one mid-work and start another on what it left: a crash and a restart.
 * `plugins`: others to run after chain (by folder name, with their config).
 */
export function restartableEngines(options: {
  urls: string[];
  config?: Record<string, unknown>;
  plugins?: Record<string, Record<string, unknown>>;
}) {
  const dir = Deno.makeTempDirSync({ prefix: "sothebais-chain-" });
  const schema = `t_chain_${crypto.randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    DATABASE_URL: Deno.env.get("DATABASE_URL") ?? "",
    DATA_DIR: dir,
    DATABASE_SCHEMA: schema,
    STATE_PREFIX: `${schema}:`,
    LOG_LEVEL: Deno.env.get("LOG_LEVEL") ?? "warn",
    ESCROW_PRIVATE_KEY: escrow.privateKey,
  };
  const config = {
    rpcUrls: options.urls.join(","),
    chainId: CHAIN_ID,
    escrowPrivateKey: "${ESCROW_PRIVATE_KEY}",
    confirmations: 2,
    pollMs: 3_600_000,
    headCacheMs: 0,
    startBlock: 0,
    receiptTimeoutMs: 20_000,
    ...options.config,
  };
  return {
    env,
    config,
    async start(clock?: Clock) {
      const engine = await startTestEngine(env, [
        { label: "chain", specifier: new URL("../mod.ts", import.meta.url).href, config },
        ...Object.entries(options.plugins ?? {}).map(([name, config]) => ({
          label: name,
          specifier: new URL(`../../${name}/mod.ts`, import.meta.url).href,
          config,
        })),
      ], { clock });
      return { engine, chain: engine.service<ChainService>("chain") };
    },
    async cleanup() {
      if (env.DATABASE_URL) {
        const { default: postgres } = await import("postgres");
        const sql = postgres(env.DATABASE_URL, { onnotice: () => {} });
        await sql.unsafe(`drop schema if exists "${schema}" cascade`);
        await sql.end();
      }
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

export { eventually };

/**
 * Waits for `probe` while a virtual clock moves on `stepMs` a look. Settlement
 * waits for a receipt on the engine's clock (settlement_payments.ts), and a node
 * may mine a transaction after its send returns: a test that stops its clock
 * once the auction closed stops that wait for good.
 */
export function eventuallyAsTimePasses<T>(
  clock: VirtualClock,
  probe: () => T | Promise<T>,
  what: string,
  stepMs = 100,
) {
  return eventually(async () => {
    await clock.advance(stepMs);
    return await probe();
  }, what);
}
