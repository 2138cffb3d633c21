/**
 * demo: makes `deno task start` a live show on the embedded chain, as a
 * compressed campaign day that repeats: pre-auction (`preMinutes`), the
 * auction (`auctionMinutes`, where the simulator's snipe makes an extension),
 * post-auction until the lot is settled on chain and `postMinutes` have passed.
 * It announces each phase as `campaign.phase`, like a campaign's day (`day.ts`),
 * and each round enrols the simulated bidders as a person would: link, then
 * deposit (`enrolment.ts`). With a real chain it does nothing.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { type DayState, demoDay, isDemoLot } from "./day.ts";
import { bidderEnrolment } from "./enrolment.ts";
import type {} from "../../plugins/chain/mod.ts";
import type {} from "../fake-x/mod.ts";

const eth = z.string().regex(/^\d+(\.\d+)?$/);

export default definePlugin({
  name: "demo",
  emits: ["campaign.phase"],
  listens: ["engine.started", "auction.opened", "auction.closed", "auction.settled"],
  config: z.object({
    /** A fake X server's base URL for the link tweets; default: the `fake-x` plugin's. */
    fakeXUrl: z.string().url().optional(),
    hostHandle: z.string().default("SothebAIs"),
    /** Simulated bidders `@sim_bidder1…N`, one funded dev account each. */
    bidders: z.number().int().min(0).default(5),
    deposit: eth.default("100"),
    reserve: eth.default("0.5"),
    preMinutes: z.number().positive().default(1),
    auctionMinutes: z.number().positive().default(5),
    /** At least this long after the close, and until the lot is settled. */
    postMinutes: z.number().nonnegative().default(1),
    extensionWindowSeconds: z.number().int().nonnegative().default(60),
    extensionSeconds: z.number().int().nonnegative().default(60),
    maxExtensionMinutes: z.number().nonnegative().default(3),
    /** How often the day is looked at again (phase ends, settlement, retries). */
    checkSeconds: z.number().positive().default(5),
  }),
  needs: ["auctions", "chain", "funds", "fake-x?"],
  standIn: {
    for: "a show with real bidders",
    replacedBy: ["RPC_URLS", "ESCROW_PRIVATE_KEY", "ESCROW_KEY_FILE"],
  },
  setup({ bus, clock, config, dataDir, http: app, log, use }) {
    const chain = use("chain");
    const auctions = use("auctions");
    const funds = use("funds");
    const embedded = chain.embedded;
    if (!embedded) {
      log.info("a real chain is configured: the demo stays out of the way");
      return;
    }
    let stopped = false;
    const state: DayState = { closedAt: new Map(), settled: new Set() };
    const enrolAll = bidderEnrolment({
      chain,
      funds,
      embedded,
      clock,
      log,
      dataDir,
      hostHandle: config.hostHandle,
      bidders: config.bidders,
      deposit: config.deposit,
      request: (path, init) => app.request(path, init),
      fakeXUrl: config.fakeXUrl ?? use("fake-x")?.url,
      stopped: () => stopped,
      settling: () => [...state.closedAt.keys()].some((id) => !state.settled.has(id)),
    });
    const dayStep = demoDay({ bus, clock, log, auctions, chain, embedded, config, state });
    // Each round also enrols whoever is not ready (links, and deposits for spent balances), each
    // round finishing what the last began: a refund after a lot makes a new deposit due.
    const advance = async () => {
      await dayStep();
      await enrolAll();
    };

    let running: Promise<void> | null = null;
    const step = () => {
      if (stopped || running) return;
      running = advance().catch((error) => log.warn("demo day step failed; retrying", { error }))
        .finally(() => running = null);
    };
    let cancel = () => {};
    const tick = () => {
      step();
      if (!stopped) cancel = clock.after(config.checkSeconds * 1000, tick);
    };
    const offs = [
      // Off the start path, once every plugin's routes are mounted and listening.
      bus.on("engine.started", tick),
      bus.on("auction.opened", (e) => isDemoLot(e.payload.auctionId) && step()),
      bus.on("auction.closed", (e) => {
        if (!isDemoLot(e.payload.auctionId)) return;
        state.closedAt.set(e.payload.auctionId, Temporal.Instant.from(e.payload.at));
        step();
      }),
      bus.on("auction.settled", (e) => {
        if (isDemoLot(e.payload.auctionId)) state.settled.add(e.payload.auctionId);
      }),
    ];
    return async () => {
      stopped = true;
      offs.forEach((off) => off());
      cancel();
      await running;
    };
  },
});
