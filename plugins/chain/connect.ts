/**
 * Connecting to the chain at start: the embedded anvil when no RPC URL is set,
 * the chain id (configured, or asked of the first provider), the escrow account
 * from its key (which must match ESCROW_ADDRESS when both are set), and the RPC
 * clients. A provider down at start is an outage like any other (health,
 * retries), not a failed start; a provider serving another chain is a
 * configuration error. An anvil this started is stopped when the start fails.
 */
import { type Account, createPublicClient, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Log } from "../../core/log.ts";
import { type ChainConfig, readKey } from "./chain_config.ts";
import { type EmbeddedChain, startEmbeddedChain } from "./embedded_chain.ts";
import { createRpc, type Rpc } from "./rpc.ts";

export interface ChainConnection {
  embedded: EmbeddedChain | null;
  urls: string[];
  chainId: number;
  /** The escrow (and custody) account; it alone holds the key. */
  account: Account;
  rpc: Rpc;
}

export async function connectChain(
  cfg: ChainConfig,
  dataDir: string,
  log: Log,
): Promise<ChainConnection> {
  let embedded: EmbeddedChain | null = null;
  try {
    let urls = (cfg.rpcUrls ?? "").split(",").map((u) => u.trim()).filter(Boolean);
    let chainId = cfg.chainId;
    let key = await readKey(cfg);
    if (urls.length === 0) {
      embedded = await startEmbeddedChain({ dataDir, ...cfg.embedded });
      urls = [embedded.url];
      chainId = embedded.chainId;
      key ??= embedded.escrowKey;
      log.info("embedded anvil started", {
        url: embedded.url,
        nft: embedded.nft,
        bidders: embedded.bidders.length,
      });
    }
    if (!chainId) {
      const probe = createPublicClient({ transport: http(urls[0]) });
      chainId = await probe.getChainId();
    }
    if (!key) throw new Error("chain: set ESCROW_PRIVATE_KEY or an escrow key file");
    const account = privateKeyToAccount(key);
    if (cfg.escrowAddress && getAddress(cfg.escrowAddress) !== account.address) {
      throw new Error(
        `chain: the escrow key belongs to ${account.address}, not to ESCROW_ADDRESS ${cfg.escrowAddress}`,
      );
    }
    const rpc = createRpc(urls, chainId);
    const remote = await rpc.client.getChainId().catch((error) => {
      log.warn("the RPC cannot be reached at start; retrying in the poll loop", {
        error: (error as Error).message.split("\n")[0],
      });
      return chainId;
    });
    if (remote !== chainId) {
      throw new Error(`chain: the RPC serves chain ${remote}, CHAIN_ID is ${chainId}`);
    }
    return { embedded, urls, chainId, account, rpc };
  } catch (error) {
    await embedded?.node.stop("SIGTERM"); // do not leave anvil running
    throw error;
  }
}
