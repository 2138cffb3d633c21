/**
 * The labelled corpus (`bid_corpus.json`) and what the engine makes of a tweet
 * in its words: the grammar reads it and the rules decide it on a fresh open
 * auction with ample escrow. Read by the auction's and the x plugin's tests.
 */
import { formatEther } from "viem";
import { readBid } from "../parse_bid.ts";
import { decide, type Market, newAuction, open } from "../rules.ts";

export interface Entry {
  tweet: string;
  becomes: string;
  why: string;
}

export const corpus: Entry[] = JSON.parse(
  await Deno.readTextFile(new URL("./bid_corpus.json", import.meta.url)),
).entries;

const ETH = 10n ** 18n;
const at = Temporal.Instant.from("2026-03-08T14:30:00-04:00");
/** A fresh open auction (reserve 1 wei) that anything well formed may bid on. */
export const corpusMarket: Market = {
  auctions: {
    "genesis-1": open(newAuction({
      id: "genesis-1",
      item: "Genesis #1",
      campaignId: null,
      startsAt: Temporal.Instant.from("2026-03-08T14:00:00-04:00"),
      endsAt: Temporal.Instant.from("2026-03-08T16:00:00-04:00"),
      maxEndsAt: Temporal.Instant.from("2026-03-08T17:00:00-04:00"),
      reserveWei: 1n,
      minIncrementBps: 500,
      minIncrementWei: 1n,
      extensionWindowSeconds: 300,
      extensionSeconds: 300,
      ingestGraceSeconds: 60,
    })),
  },
  rateLimit: { bids: 10, perSeconds: 60 },
  maxBidWei: 10_000n * ETH,
  recent: {},
};

/** What the engine makes of a tweet, in the corpus' words. */
export function outcome(text: string): string {
  const read = readBid(text);
  if (read.kind === "not-bid") return read.why;
  if (read.kind === "cancel-max") return "cancel max";
  if (read.kind === "malformed") return `malformed: ${read.message}`;
  const { decision: d } = decide(corpusMarket, {
    tweetId: "1",
    handle: "@alice",
    text,
    tweetAt: at,
  }, {
    linked: true,
    balanceWei: 10n ** 80n,
  });
  if (d.kind === "rejected") return `${d.reason}: ${d.message}`;
  return d.action === "max"
    ? `max ${formatEther(d.maxWei!)} ETH`
    : `bid ${formatEther(read.amountWei)} ETH`;
}
