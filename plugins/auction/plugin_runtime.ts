/**
 * The runtime as the plugin runs it: its options read from the plugin's config
 * and context (the decision latency metric, the funds and chain services asked
 * for when needed, not at start), the bus inputs handed to it, and its queue's
 * health. Every handler only hands work to the runtime's queue.
 */
import type { Bus } from "../../core/bus.ts";
import type { PluginContext } from "../../core/plugin.ts";
import { type AuctionRuntime, type ChainGate, startAuctionRuntime } from "./auction_runtime.ts";
import type { AuctionConfig } from "./plugin_config.ts";
import type { AuctionStore } from "./store.ts";

export function startPluginRuntime(
  ctx: PluginContext<AuctionConfig>,
  store: AuctionStore,
): Promise<AuctionRuntime> {
  const { config } = ctx;
  const latency = ctx.metrics.summary(
    "sothebais_auction_decision_seconds",
    "Time from a bid's receipt to its recorded decision",
  );
  return startAuctionRuntime({
    bus: ctx.bus,
    clock: ctx.clock,
    log: ctx.log,
    state: ctx.state,
    store,
    funds: () => ctx.use("funds"),
    chain: () => ctx.use("chain") as ChainGate | undefined,
    custodyRecheckSeconds: config.custodyRecheckSeconds,
    watermark: config.watermark,
    rateLimit: config.rateLimit,
    maxBidWei: config.maxBid,
    fundsWaitSeconds: config.fundsWaitSeconds,
    fundsRetrySeconds: config.fundsRetrySeconds,
    commitGroup: config.commitGroup,
    observe: (ms) => latency.observe(ms / 1000),
  });
}

/** What the auction hears, handed to the runtime; returns the unsubscribes. */
export function listenToInputs(bus: Bus, runtime: AuctionRuntime): Array<() => void> {
  return [
    bus.on("bid.submitted", (e) => runtime.submit(e.payload)),
    bus.on("tweets.read-through", (e) => {
      runtime.readThrough(Temporal.Instant.from(e.payload.until));
    }),
    bus.on("deposit.reversed", (e) => {
      void runtime.depositReversed(e.payload.address, e.payload.xUserId);
    }),
    bus.on("auction.settled", (e) => {
      runtime.settle(e.payload.auctionId);
    }),
    // Once every plugin listens: where each auction stands, and closings not yet settled.
    // Decisions committed and not told before a crash are told again first (idempotent).
    bus.on("engine.started", () => runtime.resume()),
  ];
}

/** `/healthz` queue: not ok while decisions wait for the database; else how long it took to drain. */
export function queueHealth(runtime: AuctionRuntime) {
  return async () => {
    const waiting = runtime.waiting();
    if (waiting) {
      return {
        ok: false,
        detail: `decisions wait for the database since ${waiting.since}: ${waiting.error}`,
      };
    }
    const t = performance.now();
    await runtime.idle();
    return { ok: true, drainMs: Math.round(performance.now() - t) };
  };
}
