/**
 * x-simulator: scripted viewers and bidders tweeting at the host through the
 * fake X server's control API, at configurable rates (Poisson arrivals on the
 * engine clock): bids that follow the live price (some of them maximum bids,
 * now and then cancelled), quick outbids from those just outbid, a snipe before
 * each end, questions, chatter, commands and malformed bids. It tweets into the listed `fake-x` plugin's server (or the
 * one at `baseUrl`). See README.md.
 */
import { formatEther, parseEther } from "viem";
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { X_CREDENTIALS } from "../fake-x/mod.ts";
import type {} from "../../plugins/auction/mod.ts";
import { createScript, type SimTweet } from "./script.ts";

const perMinute = z.number().min(0);

const configSchema = z.object({
  /** A fake X server's base URL (its control API takes the tweets); default: the `fake-x` plugin's. */
  baseUrl: z.string().url().optional(),
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
  /** Share of bids that are maximum bids (`bid max <amount> ETH`), so the show has proxy bids. */
  maxBidShare: z.number().min(0).max(1).default(0.2),
  /** Chance that a bidder who placed a maximum cancels it (`cancel max`) 10–60 s later. */
  cancelMaxShare: z.number().min(0).max(1).default(0.15),
  /** Seconds before each open auction's end when one bidder snipes (0: never). */
  snipeSecondsBeforeEnd: z.number().min(0).default(20),
  /** No spontaneous bids this close to an auction's end: only the snipe and outbid answers. */
  quietSecondsBeforeEnd: z.number().min(0).default(60),
  /** Bid only while an auction is open (from `auction.updated`). */
  onlyWhileOpen: z.boolean().default(true),
  /** Price to start from when no auction state is known, in ETH. */
  openingEth: z.string().regex(/^\d+(\.\d+)?$/).default("1"),
  seed: z.number().int().default(42),
});

export default definePlugin({
  name: "x-simulator",
  config: configSchema,
  listens: ["auction.updated", "bid.accepted"],
  needs: ["fake-x?"],
  standIn: { for: "the X audience", replacedBy: X_CREDENTIALS },
  setup({ bus, clock, config, log, health, use }) {
    const baseUrl = (config.baseUrl ?? use("fake-x")?.url)?.replace(/\/+$/, "");
    if (!baseUrl) {
      throw new Error(
        "x-simulator: no fake X to tweet into: list the fake-x plugin or set baseUrl",
      );
    }
    let sent = 0;
    let failed = 0;
    const send = async (tweets: SimTweet[]) => {
      try {
        const res = await fetch(`${baseUrl}/_fake/tweets`, {
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
      maxBidShare: config.maxBidShare,
      cancelMaxShare: config.cancelMaxShare,
      snipeSecondsBeforeEnd: config.snipeSecondsBeforeEnd,
      quietSecondsBeforeEnd: config.quietSecondsBeforeEnd,
      onlyWhileOpen: config.onlyWhileOpen,
      openingWei: parseEther(config.openingEth),
      seed: config.seed,
      send: (t) => void send([t]),
      format: formatEther,
    });
    const offs = [
      bus.on("auction.updated", (e) => {
        const p = e.payload;
        script.auction({
          auctionId: p.auctionId,
          open: p.status === "open",
          minNextWei: p.minNextWei,
          endsAt: Temporal.Instant.from(p.endsAt),
          leader: p.leader?.handle ?? null,
        });
      }),
      bus.on("bid.accepted", (e) => {
        const p = e.payload;
        if (p.previousLeader) script.outbid(p.previousLeader.handle);
      }),
    ];
    script.start();
    health("tweets", () => ({ ok: failed === 0 || sent > 0, sent, failed }));
    return () => {
      script.stop();
      offs.forEach((off) => off());
    };
  },
});
