/**
 * The link page on a standby engine: its read-only shell (the page, its script and style, the
 * escrow's QR code), from config alone. Signing a challenge and reading its status store and
 * read rows the leader owns: on a standby they answer 503 (the engine's), and the page's
 * script retries. The embedded chain (anvil, no `rpcUrls`) is the leader's own: then a standby
 * serves no link page. No RPC is asked unless the chain id is not configured.
 */
import { createPublicClient, getAddress, http as viemHttp } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { StandbyContext } from "../../core/plugin.ts";
import { type ChainConfig, readKey } from "./chain_config.ts";
import { mountLinkShell } from "./link_page.ts";

export async function linkStandby(ctx: StandbyContext<ChainConfig>): Promise<void> {
  const cfg = ctx.config;
  const urls = (cfg.rpcUrls ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  if (!urls.length) {
    return ctx.log.info("standby: no link page (the embedded chain is the leader's)");
  }
  const key = cfg.escrowAddress ? undefined : await readKey(cfg);
  const escrow = cfg.escrowAddress
    ? getAddress(cfg.escrowAddress)
    : key
    ? privateKeyToAccount(key).address
    : undefined;
  if (!escrow) return ctx.log.warn("standby: no link page (no escrow address or key)");
  const chainId = cfg.chainId ??
    await createPublicClient({ transport: viemHttp(urls[0]) }).getChainId();
  mountLinkShell(ctx.http, () => ({
    escrow,
    chainId,
    confirmations: cfg.confirmations,
    hostHandle: `@${cfg.hostHandle.replace(/^@/, "")}`,
  }));
}
