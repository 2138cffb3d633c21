/**
 * What `main.ts check` says of the chain: each RPC provider's chain id and head
 * block, whether the providers agree (the same hash for a block all of them
 * have), and the escrow account — its key, that it matches ESCROW_ADDRESS, and
 * its balance (it pays the gas of every settlement).
 */
import { createPublicClient, formatEther, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Finding } from "../../core/plugin.ts";
import { redactUrl } from "./rpc.ts";

export interface ChainCheckConfig {
  rpcUrls?: string;
  chainId?: number;
  escrowAddress?: string;
  escrowPrivateKey?: string;
  escrowKeyFile?: string;
  confirmations: number;
}

/** How far apart providers' heads may be before one counts as lagging. */
const LAG_BLOCKS = 5n;

export async function checkChain(cfg: ChainCheckConfig, timeoutMs: number): Promise<Finding[]> {
  const urls = (cfg.rpcUrls ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  if (urls.length === 0) {
    return [{ status: "missing", text: "RPC_URLS not set: an embedded anvil chain (demo)" }];
  }
  const findings: Finding[] = [];
  const clients = urls.map((url, i) => ({
    name: `provider ${i + 1} (${redactUrl(url)})`,
    client: createPublicClient({ transport: http(url, { timeout: timeoutMs, retryCount: 0 }) }),
  }));
  const answers = await Promise.all(clients.map(async ({ name, client }) => {
    try {
      const [chainId, head] = await Promise.all([client.getChainId(), client.getBlockNumber()]);
      if (cfg.chainId && chainId !== cfg.chainId) {
        findings.push({
          status: "problem",
          text: `${name}: serves chain ${chainId}, CHAIN_ID is ${cfg.chainId}`,
        });
        return null;
      }
      findings.push({ status: "ok", text: `${name}: chain ${chainId}, head block ${head}` });
      return { name, client, head };
    } catch (error) {
      findings.push({ status: "problem", text: `${name}: ${firstLine(error)}` });
      return null;
    }
  }));
  const up = answers.filter((a) => a !== null);
  if (up.length >= 2) findings.push(...await agreement(up, BigInt(cfg.confirmations)));
  if (urls.length >= 2 && up.length < 2) {
    findings.push({
      status: "problem",
      text: `${up.length} of ${urls.length} providers answer; deposits need 2 to agree`,
    });
  }
  findings.push(await escrow(cfg, up[0]?.client));
  return findings;
}

async function agreement(
  up: { name: string; client: ReturnType<typeof createPublicClient>; head: bigint }[],
  confirmations: bigint,
): Promise<Finding[]> {
  const heads = up.map((a) => a.head);
  const lowest = heads.reduce((a, b) => (a < b ? a : b));
  const highest = heads.reduce((a, b) => (a > b ? a : b));
  const findings: Finding[] = [];
  for (const a of up) {
    if (highest - a.head > LAG_BLOCKS) {
      findings.push({ status: "problem", text: `${a.name}: ${highest - a.head} blocks behind` });
    }
  }
  const at = lowest > confirmations ? lowest - confirmations : 0n;
  try {
    const hashes = await Promise.all(up.map((a) => a.client.getBlock({ blockNumber: at })));
    const same = hashes.every((b) => b.hash === hashes[0].hash);
    findings.push(
      same
        ? { status: "ok", text: `${up.length} providers agree on block ${at} (${hashes[0].hash})` }
        : {
          status: "problem",
          text: `providers disagree on block ${at}: ${hashes.map((b) => b.hash).join(" vs ")}`,
        },
    );
  } catch (error) {
    findings.push({ status: "problem", text: `block ${at}: ${firstLine(error)}` });
  }
  return findings;
}

async function escrow(
  cfg: ChainCheckConfig,
  client: ReturnType<typeof createPublicClient> | undefined,
): Promise<Finding> {
  let key = cfg.escrowPrivateKey;
  if (!key && cfg.escrowKeyFile) {
    try {
      key = (await Deno.readTextFile(cfg.escrowKeyFile)).trim();
    } catch (error) {
      return { status: "problem", text: `ESCROW_KEY_FILE: ${firstLine(error)}` };
    }
  }
  if (!key) {
    return { status: "problem", text: "escrow: set ESCROW_PRIVATE_KEY or ESCROW_KEY_FILE" };
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    return { status: "problem", text: "escrow: the key is not a 32-byte hex key" };
  }
  const address = privateKeyToAccount(key as `0x${string}`).address;
  if (cfg.escrowAddress && getAddress(cfg.escrowAddress) !== address) {
    return {
      status: "problem",
      text: `escrow: the key belongs to ${address}, not to ESCROW_ADDRESS ${cfg.escrowAddress}`,
    };
  }
  if (!client) return { status: "ok", text: `escrow ${address} (balance unknown: no provider)` };
  const balance = await client.getBalance({ address }).catch(() => null);
  if (balance === null) return { status: "problem", text: `escrow ${address}: balance unreadable` };
  return balance > 0n
    ? { status: "ok", text: `escrow ${address}: ${formatEther(balance)} ETH (pays settlement gas)` }
    : { status: "problem", text: `escrow ${address}: 0 ETH, nothing to pay settlement gas with` };
}

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0];
