/**
 * x-simulator: scripted viewers and bidders tweeting at the host through the
 * fake X server's control API, at configurable rates (Poisson arrivals on the
 * engine clock): bids that follow the live price, quick outbids from those
 * just outbid, questions, chatter, commands and malformed bids. It can also
 * serve the fake X server itself, so the demo is one process. See README.md.
 */
import { formatEther, parseEther } from "viem";
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { type ServedFakeX, serveFakeX } from "../fake-x/mod.ts";
import { createScript, type SimTweet } from "./script.ts";

const perMinute = z.number().min(0);

const configSchema = z.object({
  /** The fake X server (its control API takes the tweets). */
  baseUrl: z.string().url().default("http://127.0.0.1:8790"),
  /** Also serve the fake X server on baseUrl's port, in this process. */
  serve: z.boolean().default(false),
  serveTier: z.enum(["free", "basic", "pro", "pay-per-use"]).default("pro"),
  hostHandle: z.string().default("SothebAIs"),
  bidders: z.number().int().min(1).default(6),
  viewers: z.number().int().min(0).default(20),
  rates: z.object({
    bidsPerMinute: perMinute.default(4),
    questionsPerMinute: perMinute.default(1),
    chatterPerMinute: perMinute.default(1),
    malformedPerMinute: perMinute.default(0.3),
    commandsPerMinute: perMinute.default(0.3),
  }).default({
    bidsPerMinute: 4,
    questionsPerMinute: 1,
    chatterPerMinute: 1,
    malformedPerMinute: 0.3,
    commandsPerMinute: 0.3,
  }),
  /** Chance that a simulated bidder who was outbid bids again within half a minute. */
  outbidResponse: z.number().min(0).max(1).default(0.6),
  /** Bid only while an auction is open (from `auction.updated`). */
  onlyWhileOpen: z.boolean().default(true),
  /** Price to start from when no auction state is known, in ETH. */
  openingEth: z.string().regex(/^\d+(\.\d+)?$/).default("1"),
  seed: z.number().int().default(42),
});

export default definePlugin({
  name: "x-simulator",
  config: configSchema,
  setup({ bus, clock, config, log, health }) {
    let served: ServedFakeX | undefined;
    if (config.serve) {
      const port = Number(new URL(config.baseUrl).port || 80);
      served = serveFakeX({ port, hostHandle: config.hostHandle, tier: config.serveTier });
      log.info("serving the fake X API", { url: served.url });
    }
    let sent = 0;
    let failed = 0;
    const send = async (tweets: SimTweet[]) => {
      try {
        const res = await fetch(`${config.baseUrl.replace(/\/+$/, "")}/_fake/tweets`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(tweets),
        });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        sent += tweets.length;
      } catch (error) {
        failed++;
        log.warn("the fake X server did not take a tweet", { error: (error as Error).message });
      }
    };
    const script = createScript({
      clock,
      hostHandle: config.hostHandle,
      bidders: config.bidders,
      viewers: config.viewers,
      rates: config.rates,
      outbidResponse: config.outbidResponse,
      onlyWhileOpen: config.onlyWhileOpen,
      openingWei: parseEther(config.openingEth),
      seed: config.seed,
      send: (t) => void send([t]),
      format: formatEther,
    });
    const offs = [
      bus.on("auction.updated", (e) => {
        const p = e.payload as { status: string; minNextWei: bigint };
        script.auction(p.status === "open", p.minNextWei);
      }),
      bus.on("bid.accepted", (e) => {
        const p = e.payload as { previousLeader: { handle: string } | null };
        if (p.previousLeader) script.outbid(p.previousLeader.handle);
      }),
    ];
    script.start();
    health("tweets", () => ({ ok: failed === 0 || sent > 0, sent, failed }));
    return async () => {
      script.stop();
      offs.forEach((off) => off());
      await served?.stop();
    };
  },
});
