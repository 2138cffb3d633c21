/**
 * The chain plugin's configuration: its schema (every field bounded), the escrow
 * key (from the config or a key file, never logged) and CAIP-19 lot ids.
 */
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import type { NftRef } from "./custody.ts";

/** `eip155:1/erc721:0xabc…/42` → the token. */
export function caip19(item: unknown): NftRef | null {
  const m = typeof item !== "string"
    ? null
    : item.match(/^eip155:\d+\/erc721:(0x[0-9a-fA-F]{40})\/(\d+)$/);
  return m ? { contract: getAddress(m[1]), tokenId: BigInt(m[2]) } : null;
}

export const chainConfig = z.object({
  /** Comma-separated; empty → embedded anvil. */
  rpcUrls: z.string().optional(),
  chainId: z.coerce.number().int().positive().optional(),
  escrowAddress: z.string().refine((a) => isAddress(a), "not an address").optional(),
  escrowPrivateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte hex key").optional(),
  escrowKeyFile: z.string().optional(),
  confirmations: z.coerce.number().int().min(1).default(2),
  pollMs: z.coerce.number().int().positive().default(2000),
  headCacheMs: z.coerce.number().int().min(0).default(1000),
  startBlock: z.coerce.bigint().optional(),
  receiptTimeoutMs: z.coerce.number().int().positive().default(120_000),
  /** The SIWE domain bidders sign for; default: the host of linkUri. */
  linkDomain: z.string().optional(),
  linkUri: z.string().url().default("http://localhost:8000/link"),
  linkTtlMinutes: z.coerce.number().positive().default(15),
  /** The host's X handle (X_HOST_HANDLE): the link page's tweets are addressed to it. */
  hostHandle: z.string().regex(/^@?\w{1,15}$/, "an X handle").default("SothebAIs"),
  /** Link challenges one client address may ask for in a window (each is stored). */
  linkRateLimit: z.object({
    challenges: z.number().int().positive().default(20),
    perSeconds: z.number().int().positive().default(60),
  }).default({ challenges: 20, perSeconds: 60 }),
  /** Auction item name → its token as a CAIP-19 id, `eip155:<chain>/erc721:<contract>/<id>`. */
  lots: z.record(
    z.string(),
    z.string().refine((s) => caip19(s) !== null, "not an eip155 erc721 id"),
  )
    .default({}),
  embedded: z.object({
    blockTimeSeconds: z.number().positive().default(2),
    bidders: z.number().int().min(0).default(5),
    tokens: z.number().int().min(1).default(3),
  }).default({ blockTimeSeconds: 2, bidders: 5, tokens: 3 }),
});

export type ChainConfig = z.output<typeof chainConfig>;

export async function readKey(cfg: ChainConfig): Promise<`0x${string}` | undefined> {
  if (cfg.escrowPrivateKey) return cfg.escrowPrivateKey as `0x${string}`;
  if (!cfg.escrowKeyFile) return undefined;
  const key = (await Deno.readTextFile(cfg.escrowKeyFile)).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error("chain: the escrow key file does not hold a 32-byte hex key");
  }
  return key as `0x${string}`;
}
