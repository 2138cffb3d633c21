/**
 * The chain's `/healthz` checks and metrics: `rpc` (each provider, the quorum,
 * the last deposit pass), `custody` (lots of unsettled auctions still movable
 * by custody), `settlement` (failed settlements, open claims); deposit credit
 * and reversal counters and the head block gauge. Read-only: nothing here
 * writes a table.
 */
import type { Bus } from "../../core/bus.ts";
import type { PluginContext } from "../../core/plugin.ts";
import type { DepositScanner } from "./deposits.ts";
import type { Lots } from "./lots.ts";
import type { Rpc } from "./rpc.ts";
import type { Settlement } from "./settlement.ts";

export interface ChainHealthDeps {
  bus: Bus;
  rpc: Rpc;
  scanner: DepositScanner;
  lots: Lots;
  settlement: Settlement;
  chainId: number;
  embedded: object | null;
}

/** Registers the checks and metrics; returns the unsubscribes of the counters. */
export function watchChain(
  ctx: Pick<PluginContext, "health" | "metrics">,
  deps: ChainHealthDeps,
): Array<() => void> {
  const { bus, rpc, scanner, lots, settlement } = deps;
  ctx.health("rpc", () => {
    const providers = rpc.providerHealth();
    const last = scanner.last();
    const error = scanner.lastError();
    const up = providers.filter((p) => p.ok).length;
    // Which providers are down or disagree with the quorum, even while the quorum holds.
    const bad = providers.filter((p) => !p.ok).map((p) => `${p.url}: ${p.detail ?? "down"}`);
    return {
      ok: !error && up >= rpc.quorum,
      detail: [
        error ??
          (up < rpc.quorum
            ? `${up} of ${providers.length} providers answer; ${rpc.quorum} must agree`
            : undefined),
        ...bad,
      ].filter(Boolean).join("; ") || undefined,
      chainId: deps.chainId,
      providers,
      head: last?.head.toString(),
      finalized: last?.finalized.toString(),
      depositsWaiting: last?.waiting ?? 0,
      embedded: deps.embedded !== null,
    };
  });
  ctx.health("custody", async () => {
    const { lots: n, problems } = await lots.unsettledProblems();
    return { ok: problems.length === 0, detail: problems.join("; ") || undefined, lots: n };
  });
  ctx.health("settlement", async () => {
    const claims = await settlement.claims();
    const failed = await settlement.failed();
    return {
      ok: failed.length === 0,
      detail: failed.map((f) => `${f.auction_id}: ${f.error}`).join("; ") || undefined,
      openClaims: claims.length,
    };
  });
  const credits = ctx.metrics.counter(
    "sothebais_chain_deposits_total",
    "Deposit credit changes, by stage",
  );
  const reversals = ctx.metrics.counter(
    "sothebais_chain_deposit_reversals_total",
    "Credited deposits reversed by a reorg",
  );
  ctx.metrics.gauge(
    "sothebais_chain_head_block",
    "Head block at the last deposit pass",
    () => Number(scanner.last()?.head ?? 0),
  );
  return [
    bus.on("deposit.credited", (e) => credits.inc(1, { stage: e.payload.stage })),
    bus.on("deposit.reversed", () => reversals.inc()),
  ];
}
