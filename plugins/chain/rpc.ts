/**
 * The RPC side. With two or more providers no single one is trusted with what
 * a credit is computed from: the read client sends each cross-checked read (a
 * block by number or hash, a balance at a block, a transaction, a receipt,
 * logs over fixed blocks) to every provider and takes the answer at least two
 * give and more give than any other; a provider that answered otherwise is
 * marked as disagreeing (health names it, and plain reads try it last). No
 * such answer → ProvidersDisagreeError (the pass fails, nothing is credited).
 * A balance needs the quorum even when only one provider answers; other reads
 * take a lone answer (crediting still needs the quorum's receipt). Reads of a
 * moving tag (`latest`, the head) go to one provider at a time, in order,
 * healthy ones first. One client per provider remains for receipt agreement.
 */
import {
  type Chain,
  createPublicClient,
  custom,
  defineChain,
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

/** Two or more providers answered a cross-checked read, and not enough of them alike. */
export class ProvidersDisagreeError extends Error {
  override name = "ProvidersDisagreeError";
}

/** True when `error` is (or was caused by) a ProvidersDisagreeError, however viem wrapped it. */
export function isDisagreement(error: unknown): boolean {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ProvidersDisagreeError) return true;
  }
  return false;
}

/** The first line of what went wrong, from the innermost cause (viem wraps ours in its own). */
export function rootMessage(error: unknown): string {
  let e = error;
  while ((e as { cause?: unknown })?.cause instanceof Error) e = (e as { cause: unknown }).cause;
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}

/** Reads whose answer is the same on every honest provider once a block is named. */
const CROSS_CHECKED = new Set([
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getBalance",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getLogs",
]);
const TAG = /^(latest|pending|safe|finalized|earliest)$/;

/** True when the read names fixed blocks (a tag such as `latest` may differ between providers). */
function fixedBlocks(method: string, params: unknown): boolean {
  if (!CROSS_CHECKED.has(method)) return false;
  const list = Array.isArray(params) ? params : [];
  if (method === "eth_getBlockByNumber") return !TAG.test(String(list[0]));
  if (method === "eth_getBalance") return !TAG.test(String(list[1]));
  if (method === "eth_getLogs") {
    const f = (list[0] ?? {}) as { fromBlock?: unknown; toBlock?: unknown; blockHash?: unknown };
    return Boolean(f.blockHash) ||
      (f.fromBlock !== undefined && !TAG.test(String(f.fromBlock)) &&
        f.toBlock !== undefined && !TAG.test(String(f.toBlock)));
  }
  return true;
}

/** What two honest answers must share (node software adds or omits other fields). */
function digest(method: string, result: unknown): string {
  if (result === null || result === undefined) return "none";
  const r = result as Record<string, unknown>;
  const tx = (t: Record<string, unknown>) =>
    typeof t === "string" ? t : [t.hash, t.from, t.to, t.value, t.input].join(",");
  switch (method) {
    case "eth_getBalance":
      return String(result);
    case "eth_getBlockByNumber":
    case "eth_getBlockByHash":
      return [r.hash, r.number, r.parentHash, ...((r.transactions as []) ?? []).map(tx)].join("|");
    case "eth_getTransactionByHash":
      return [tx(r), r.blockHash].join("|");
    case "eth_getTransactionReceipt":
      return [r.transactionHash, r.blockHash, r.status, r.from, r.to, r.gasUsed].join("|");
    case "eth_getLogs":
      return (result as Record<string, unknown>[]).map((l) =>
        [l.blockHash, l.transactionHash, l.logIndex, l.address, l.data, ...(l.topics as [])].join(
          ",",
        )
      ).join("|");
    default:
      return JSON.stringify(result);
  }
}

export function createRpc(
  urls: string[],
  chainId: number,
  options: { timeoutMs?: number; now?: () => Temporal.Instant } = {},
): Rpc {
  if (urls.length === 0) throw new Error("no RPC URL");
  const chain = chainOf(chainId, urls);
  const timeout = options.timeoutMs ?? 4000;
  const now = options.now ?? (() => Temporal.Now.instant());
  const transport = (url: string) => http(url, { timeout, retryCount: 1, retryDelay: 100 });
  const raw = urls.map((url) => ({
    url,
    request: transport(url)({ chain, retryCount: 1 }).request,
  }));
  const last = new Map<string, { ok: boolean; detail?: string; at: string }>();
  /** Providers caught answering otherwise than the quorum, with what and when. */
  const disagreed = new Map<string, { detail: string; at: string }>();
  const note = (url: string, ok: boolean, detail?: string) =>
    last.set(url, { ok, detail, at: now().toString() });
  const quorum = urls.length >= 2 ? 2 : 1;
  const heads = new Map<string, bigint>();
  const shown = (url: string) => redactUrl(url);

  /** Plain reads: healthy providers first, then those down or disagreeing, in configured order. */
  const ordered = () =>
    [...raw].sort((a, b) =>
      Number(disagreed.has(a.url) || last.get(a.url)?.ok === false) -
      Number(disagreed.has(b.url) || last.get(b.url)?.ok === false)
    );
  const plain = async (method: string, params: unknown) => {
    let failure: unknown;
    for (const p of ordered()) {
      try {
        const result = await p.request({ method, params } as never);
        note(p.url, true);
        return result;
      } catch (error) {
        failure = error;
        // A JSON-RPC error is the node's answer (a revert, a nonce too low), not an outage.
        if ((error as { code?: number }).code !== undefined && !isOutage(error)) throw error;
        note(p.url, false, (error as Error).message.split("\n")[0]);
      }
    }
    throw failure;
  };
  const checked = async (method: string, params: unknown) => {
    const answers = await Promise.all(raw.map(async (p) => {
      try {
        const result = await p.request({ method, params } as never);
        note(p.url, true);
        return { url: p.url, result, key: digest(method, result) };
      } catch (error) {
        if ((error as { code?: number }).code !== undefined && !isOutage(error)) {
          return { url: p.url, error };
        }
        note(p.url, false, (error as Error).message.split("\n")[0]);
        return { url: p.url, down: true };
      }
    }));
    const votes = tally(answers.flatMap((a) => "key" in a ? [[a.key!, a.result] as const] : []));
    const answered = answers.filter((a) => "key" in a);
    if (answered.length === 0) {
      const refused = answers.find((a) => "error" in a);
      if (refused && "error" in refused) throw refused.error;
      throw new Error(`no RPC provider answers ${method}`);
    }
    const ranked = [...votes.entries()].sort((a, b) => b[1].n - a[1].n);
    const [top, second] = ranked;
    if (answered.length === 1) {
      if (method === "eth_getBalance" && quorum > 1) {
        throw new ProvidersDisagreeError(
          `${method}: only 1 of ${raw.length} providers answered; ${quorum} must agree`,
        );
      }
      return top[1].result;
    }
    if (top[1].n < 2 || (second && second[1].n === top[1].n)) {
      const who = answered.map((a) => `${shown(a.url)} → ${a.key!.slice(0, 80)}`).join("; ");
      throw new ProvidersDisagreeError(`providers disagree on ${method}: ${who}`);
    }
    for (const a of answered) {
      // "none" beside an answer is a provider behind the others, not a lie.
      if (a.key === top[0] || a.key === "none") continue;
      disagreed.set(a.url, {
        detail: `answered ${method} otherwise than ${top[1].n} other providers`,
        at: now().toString(),
      });
    }
    for (const a of answered) if (a.key === top[0]) disagreed.delete(a.url);
    return top[1].result;
  };
  // cacheTime 0: the chain plugin does its own per-block caching; viem's would lag after a new block.
  const client = createPublicClient({
    chain,
    transport: custom({
      request: ({ method, params }) =>
        urls.length > 1 && fixedBlocks(method, params)
          ? checked(method, params)
          : plain(method, params),
    }, { retryCount: 0 }),
    cacheTime: 0,
  }) as PublicClient;
  const providers = urls.map((url) => ({
    url,
    client: createPublicClient({ chain, transport: transport(url), cacheTime: 0 }) as PublicClient,
  }));

  return {
    chain,
    urls,
    client,
    providers,
    quorum,
    agreedReceipt: (hash) => agreedReceipt(providers, quorum, note, hash),
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
      urls.map((url) => {
        const lie = disagreed.get(url);
        const seen = last.get(url);
        return {
          ...seen,
          url: redactUrl(url),
          ok: (seen?.ok ?? true) && !lie,
          ...(lie ? { detail: `disagrees with the quorum: ${lie.detail}`, at: lie.at } : {}),
          ...(lie ? { disagrees: true } : {}),
          head: heads.get(url)?.toString(),
        };
      }),
  };
}

/** Answers counted by what they say (their key), each count with one of those answers. */
function tally<T>(answers: ReadonlyArray<readonly [string, T]>) {
  const votes = new Map<string, { n: number; result: T }>();
  for (const [key, result] of answers) {
    const v = votes.get(key) ?? { n: 0, result };
    v.n++;
    votes.set(key, v);
  }
  return votes;
}

/**
 * A receipt as `quorum` providers return it (block hash, status, sender, recipient), "missing"
 * when that many say there is none, else unavailable with why.
 */
async function agreedReceipt(
  providers: Array<{ url: string; client: PublicClient }>,
  quorum: number,
  note: (url: string, ok: boolean, detail?: string) => void,
  hash: Hash,
): Promise<AgreedReceipt> {
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
  const votes = tally(answers.flatMap((a) => {
    if (!a.ok) return [];
    const r: TransactionReceipt | null = a.receipt;
    return [[r ? `${r.blockHash}|${r.status}|${r.from}|${r.to}` : "none", r] as const];
  }));
  for (const v of votes.values()) {
    if (v.n >= quorum) {
      return v.result ? { kind: "agreed", receipt: v.result } : { kind: "missing" };
    }
  }
  const up = answers.filter((a) => a.ok).length;
  return {
    kind: "unavailable",
    detail: up < quorum
      ? `${up} of ${providers.length} providers answered, ${quorum} must agree`
      : "providers disagree",
  };
}

/** Transport failures (no answer, HTTP errors, time-outs), told apart from a node's JSON-RPC answer. */
function isOutage(error: unknown): boolean {
  const name = (error as Error).name ?? "";
  return /HttpRequestError|TimeoutError|WebSocketRequestError/.test(name) ||
    (error as { code?: number }).code === -32603 && /fetch|connect/i.test(String(error));
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
