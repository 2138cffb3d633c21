/**
 * Stand-in RPC providers for fault tests, each a local HTTP server speaking
 * JSON-RPC as a real provider does, chosen by listing its URL in `rpcUrls`:
 * one that answers every request with HTTP 500 (a provider down), and one that
 * proxies a real node but lies in chosen answers (a balance, block hashes),
 * and one that proxies a node that mines each transaction just after it is
 * first looked for.
 * Batches are proxied too; nothing here is known to the plugin.
 */
import { keccak256, toHex } from "viem";

export interface StandIn {
  url: string;
  /** Requests it received, by method. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

interface RpcRequest {
  id: unknown;
  method: string;
  params?: unknown[];
}

function serve(handle: (body: unknown, calls: Map<string, number>) => Promise<Response>): StandIn {
  const calls = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json().catch(() => null);
    for (const r of Array.isArray(body) ? body : [body]) {
      const method = String((r as RpcRequest | null)?.method);
      calls.set(method, (calls.get(method) ?? 0) + 1);
    }
    return await handle(body, calls);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    calls,
    close: () => server.shutdown(),
  };
}

/** A provider that is down: every request is answered HTTP 500. */
export function failingRpc(): StandIn {
  return serve(() => Promise.resolve(new Response("internal error", { status: 500 })));
}

export interface Lies {
  /** Added to every balance of this address it reports at a fixed block. */
  balanceOf?: { address: string; extraWei: bigint };
  /** Block hashes (in blocks and receipts) replaced by other ones. */
  blockHashes?: boolean;
}

const fakeHash = (hash: string) => keccak256(toHex(`lie:${hash}`));

/** A provider that proxies `upstream` faithfully except for `lies`. */
export function lyingRpc(upstream: string, lies: Lies): StandIn {
  const alter = (request: RpcRequest, result: unknown): unknown => {
    if (result === null || result === undefined) return result;
    const { method, params = [] } = request;
    const b = lies.balanceOf;
    if (
      method === "eth_getBalance" && b && String(params[0]).toLowerCase() ===
        b.address.toLowerCase() &&
      !/^(latest|pending)$/.test(String(params[1]))
    ) {
      return toHex(BigInt(result as string) + b.extraWei);
    }
    if (!lies.blockHashes) return result;
    const r = result as Record<string, unknown>;
    if (method === "eth_getBlockByNumber" || method === "eth_getBlockByHash") {
      return { ...r, hash: fakeHash(r.hash as string) };
    }
    if (method === "eth_getTransactionReceipt" || method === "eth_getTransactionByHash") {
      return r.blockHash ? { ...r, blockHash: fakeHash(r.blockHash as string) } : r;
    }
    return result;
  };
  return serve(async (body) => {
    const upstreamAnswer = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await upstreamAnswer.json();
    const requests = (Array.isArray(body) ? body : [body]) as RpcRequest[];
    const answers = (Array.isArray(answer) ? answer : [answer]) as {
      id: unknown;
      result?: unknown;
    }[];
    const altered = answers.map((a) => {
      const request = requests.find((r) => r.id === a.id);
      return request && "result" in a ? { ...a, result: alter(request, a.result) } : a;
    });
    return Response.json(Array.isArray(answer) ? altered : altered[0]);
  });
}

export interface LateMiner extends StandIn {
  /** Transactions whose first look found them unmined. */
  late: string[];
}

/**
 * A provider that proxies `upstream` but answers as a node that mines a sent
 * transaction only after it was first looked for (as anvil may, mining after
 * the send returns): the first receipt asked for after a send is not found, and
 * the next count of mined transactions leaves it out. Later answers are true.
 */
export function lateMinerRpc(upstream: string): LateMiner {
  let unmined: string | null = null;
  const late: string[] = [];
  const proxied = serve(async (body) => {
    const answer = await (await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    })).json();
    if (Array.isArray(body)) return Response.json(answer);
    const { method, params = [] } = body as RpcRequest;
    const { result } = answer as { result?: unknown };
    if (method === "eth_sendRawTransaction" && typeof result === "string") unmined = result;
    if (method === "eth_getTransactionReceipt" && unmined && params[0] === unmined) {
      late.push(unmined);
      return Response.json({ ...answer, result: null });
    }
    if (
      method === "eth_getTransactionCount" && params[1] === "latest" && unmined &&
      late.at(-1) === unmined
    ) {
      unmined = null;
      return Response.json({ ...answer, result: toHex(BigInt(result as string) - 1n) });
    }
    return Response.json(answer);
  });
  return { ...proxied, late };
}
