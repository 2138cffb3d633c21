/**
 * The RPC side: one viem public client over `fallback` (every URL, in order,
 * retried) for reads, plus one client per provider, so that crediting a deposit
 * can require two providers to agree when two or more are configured.
 */
import {
  type Chain,
  createPublicClient,
  defineChain,
  fallback,
  type Hash,
  http,
  type PublicClient,
  type TransactionReceipt,
} from "viem";

export interface Rpc {
  chain: Chain;
  urls: string[];
  /** Reads through viem's fallback transport. */
  client: PublicClient;
  /** One client per provider, for agreement checks. */
  providers: { url: string; client: PublicClient }[];
  /** How many providers must return the same receipt before a deposit is credited. */
  quorum: number;
  /** The receipt the quorum agrees on (same block hash, status, sender, recipient), or why not. */
  agreedReceipt(hash: Hash): Promise<AgreedReceipt>;
  /** Asks every provider for its head (never throws), so health sees a dead or lagging one. */
  probe(): Promise<void>;
  /** Last outcome per provider, for health. */
  providerHealth(): { url: string; ok: boolean; detail?: string; at?: string; head?: string }[];
}

export type AgreedReceipt =
  | { kind: "agreed"; receipt: TransactionReceipt }
  | { kind: "missing" } // the quorum agrees there is no such receipt (e.g. reorged out)
  | { kind: "unavailable"; detail: string };

export function chainOf(chainId: number, urls: string[]): Chain {
  return defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: urls } },
  });
}

export function createRpc(
  urls: string[],
  chainId: number,
  options: { timeoutMs?: number } = {},
): Rpc {
  if (urls.length === 0) throw new Error("no RPC URL");
  const chain = chainOf(chainId, urls);
  const timeout = options.timeoutMs ?? 4000;
  const transport = (url: string) => http(url, { timeout, retryCount: 1, retryDelay: 100 });
  // cacheTime 0: the chain plugin does its own per-block caching; viem's would lag after a new block.
  const client = createPublicClient({
    chain,
    transport: urls.length > 1
      ? fallback(urls.map(transport), { retryCount: 1 })
      : transport(urls[0]),
    cacheTime: 0,
  }) as PublicClient;
  const providers = urls.map((url) => ({
    url,
    client: createPublicClient({ chain, transport: transport(url), cacheTime: 0 }) as PublicClient,
  }));
  const last = new Map<string, { ok: boolean; detail?: string; at: string }>();
  const note = (url: string, ok: boolean, detail?: string) =>
    last.set(url, { ok, detail, at: new Date().toISOString() });
  const quorum = urls.length >= 2 ? 2 : 1;
  const heads = new Map<string, bigint>();

  return {
    chain,
    urls,
    client,
    providers,
    quorum,
    async agreedReceipt(hash) {
      const answers = await Promise.all(providers.map(async ({ url, client }) => {
        try {
          const receipt = await client.getTransactionReceipt({ hash });
          note(url, true);
          return { ok: true as const, receipt };
        } catch (error) {
          const name = (error as Error).name;
          if (name === "TransactionReceiptNotFoundError") {
            note(url, true);
            return { ok: true as const, receipt: null };
          }
          note(url, false, (error as Error).message.split("\n")[0]);
          return { ok: false as const };
        }
      }));
      const votes = new Map<string, { n: number; receipt: TransactionReceipt | null }>();
      for (const a of answers) {
        if (!a.ok) continue;
        const r = a.receipt;
        const key = r ? `${r.blockHash}|${r.status}|${r.from}|${r.to}` : "none";
        const v = votes.get(key) ?? { n: 0, receipt: r };
        v.n++;
        votes.set(key, v);
      }
      for (const v of votes.values()) {
        if (v.n >= quorum) {
          return v.receipt ? { kind: "agreed", receipt: v.receipt } : { kind: "missing" };
        }
      }
      const up = answers.filter((a) => a.ok).length;
      return {
        kind: "unavailable",
        detail: up < quorum
          ? `${up} of ${providers.length} providers answered, ${quorum} must agree`
          : "providers disagree",
      };
    },
    async probe() {
      await Promise.all(providers.map(async ({ url, client }) => {
        try {
          const head = await client.getBlockNumber({ cacheTime: 0 });
          heads.set(url, head);
          note(url, true);
        } catch (error) {
          note(url, false, (error as Error).message.split("\n")[0]);
        }
      }));
    },
    providerHealth: () =>
      urls.map((url) => ({
        ...last.get(url),
        url: redactUrl(url),
        ok: last.get(url)?.ok ?? true,
        head: heads.get(url)?.toString(),
      })),
  };
}

/** Provider URLs often carry an API key in the path or query: show only scheme, host and port. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(invalid url)";
  }
}
