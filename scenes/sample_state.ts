/**
 * A sample show, as bus events, so scenes can be previewed and tested without a
 * live auction: a campaign day whose lot opens at 20:00 New York and ends at
 * 21:00, with bids, a rejection, an extension and the host talking.
 * `sampleEvents(phase)` returns the events up to that phase's snapshot moment.
 */
import { parseEther } from "viem";
import { readable } from "../plugins/auction/proxy.ts";
import { howToBid } from "../plugins/x/help.ts";
import type { Phase } from "../plugins/auction/mod.ts";

export interface SampleEvent {
  /** When it happens, ISO with offset. */
  at: string;
  type: string;
  payload: unknown;
}

const day = "2026-11-25";
const startsAt = `${day}T20:00:00-05:00`;
const endsAt = `${day}T21:00:00-05:00`;
const extendedEnd = `${day}T21:02:00-05:00`;
const item = "Chromatic Dusk #7";

/** What `widget-artwork`'s `items` config says about the sample lot. */
export const SAMPLE_CATALOGUE = {
  [item]: { image: "nft/sample.png", artist: "by Mira Okafor" },
};
const reserveWei = parseEther("1");

/** The instant each phase's preview shows. */
export const SAMPLE_MOMENT: Record<Phase, string> = {
  "pre-auction": `${day}T19:42:30-05:00`,
  auction: `${day}T20:58:24-05:00`,
  "post-auction": `${day}T21:03:10-05:00`,
};

function auction(status: string, priceEth: string | null, leader: string | null, bids: number) {
  const price = priceEth === null ? null : parseEther(priceEth);
  return {
    auctionId: "auc-2026-11-25",
    item,
    status,
    startsAt,
    endsAt: bids >= 4 ? extendedEnd : endsAt,
    maxEndsAt: `${day}T21:30:00-05:00`,
    reserveWei,
    priceWei: price,
    leader: leader && price !== null
      ? { handle: leader, tweetId: `t-${bids}`, amountWei: price }
      : null,
    bidCount: bids,
    // The auction's readable minimum: 4 significant digits, rounded up.
    minNextWei: price === null ? parseEther("0.5") : readable(price + price / 20n),
    extensions: bids >= 4 ? 1 : 0,
    extensionWindowSeconds: 300,
    extensionSeconds: 300,
  };
}

function phaseEvent(phase: Phase) {
  return { campaignId: "daily", day, phase, auctionId: "auc-2026-11-25", startsAt, endsAt };
}

function bid(
  n: number,
  handle: string,
  eth: string,
  previous: [string, string] | null,
  end = endsAt,
) {
  return {
    auctionId: "auc-2026-11-25",
    tweetId: `t-${n}`,
    handle,
    amountWei: parseEther(eth),
    at: "",
    previousLeader: previous ? { handle: previous[0], amountWei: parseEther(previous[1]) } : null,
    endsAt: end,
  };
}

/** What the x plugin publishes for the ticker, with the sample's config. */
/** The sample show's link page (the `qr-link` widget's `url` in previews). */
export const SAMPLE_LINK_URL = "https://sothebais.example/link";
const facts = { hostHandle: "@SothebAIs", linkUrl: SAMPLE_LINK_URL };
const help = { lines: howToBid(facts), ...facts };

const timeline: SampleEvent[] = [
  { at: `${day}T19:30:00-05:00`, type: "help.published", payload: help },
  { at: `${day}T19:30:00-05:00`, type: "campaign.phase", payload: phaseEvent("pre-auction") },
  {
    at: `${day}T19:30:00-05:00`,
    type: "auction.updated",
    payload: auction("scheduled", null, null, 0),
  },
  {
    at: `${day}T19:42:27-05:00`,
    type: "host.said",
    payload: {
      utteranceId: "u1",
      text: "Good evening! In seventeen minutes we open bidding on Chromatic Dusk number seven.",
    },
  },
  {
    at: `${day}T19:42:30-05:00`,
    type: "host.speaking",
    payload: { utteranceId: "u1", level: 0.55 },
  },
  { at: `${day}T20:00:00-05:00`, type: "campaign.phase", payload: phaseEvent("auction") },
  { at: `${day}T20:00:00-05:00`, type: "auction.updated", payload: auction("open", null, null, 0) },
  { at: `${day}T20:12:40-05:00`, type: "bid.accepted", payload: bid(1, "@alice", "1.2", null) },
  {
    at: `${day}T20:12:40-05:00`,
    type: "auction.updated",
    payload: auction("open", "1.2", "@alice", 1),
  },
  {
    at: `${day}T20:31:02-05:00`,
    type: "bid.rejected",
    payload: {
      auctionId: "auc-2026-11-25",
      tweetId: "t-x1",
      handle: "@bob",
      reason: "insufficient_funds",
      message: "deposit 1.3 ETH first",
      at: "",
    },
  },
  {
    at: `${day}T20:44:10-05:00`,
    type: "bid.accepted",
    payload: bid(2, "@carol_nft", "1.5", ["@alice", "1.2"]),
  },
  {
    at: `${day}T20:44:10-05:00`,
    type: "auction.updated",
    payload: auction("open", "1.5", "@carol_nft", 2),
  },
  {
    at: `${day}T20:52:31-05:00`,
    type: "bid.accepted",
    payload: bid(3, "@alice", "1.8", ["@carol_nft", "1.5"]),
  },
  {
    at: `${day}T20:52:31-05:00`,
    type: "auction.updated",
    payload: auction("open", "1.8", "@alice", 3),
  },
  {
    at: `${day}T20:56:03-05:00`,
    type: "bid.rejected",
    payload: {
      auctionId: "auc-2026-11-25",
      tweetId: "t-x2",
      handle: "@dave",
      reason: "below_increment",
      message: "must be at least 1.89 ETH",
      at: "",
    },
  },
  {
    at: `${day}T20:57:50-05:00`,
    type: "bid.accepted",
    payload: bid(4, "@zeta.eth", "2.25", ["@alice", "1.8"], extendedEnd),
  },
  {
    at: `${day}T20:57:50-05:00`,
    type: "auction.extended",
    payload: { auctionId: "auc-2026-11-25", endsAt: extendedEnd, previousEndsAt: endsAt },
  },
  {
    at: `${day}T20:57:50-05:00`,
    type: "auction.updated",
    payload: auction("open", "2.25", "@zeta.eth", 4),
  },
  {
    at: `${day}T20:58:20-05:00`,
    type: "host.said",
    payload: {
      utteranceId: "u2",
      text: "A late bid from @zeta.eth at 2.25 ETH, and the clock is extended. Do I hear 2.4?",
    },
  },
  {
    at: `${day}T20:58:24-05:00`,
    type: "host.speaking",
    payload: { utteranceId: "u2", level: 0.7 },
  },
  {
    at: `${day}T21:02:00-05:00`,
    type: "auction.updated",
    payload: auction("closed", "2.25", "@zeta.eth", 4),
  },
  {
    at: `${day}T21:02:00-05:00`,
    type: "auction.closed",
    payload: {
      auctionId: "auc-2026-11-25",
      winner: { handle: "@zeta.eth", amountWei: parseEther("2.25"), tweetId: "t-4" },
      runnerUp: { handle: "@alice", amountWei: parseEther("1.8") },
      at: extendedEnd,
    },
  },
  { at: `${day}T21:02:00-05:00`, type: "campaign.phase", payload: phaseEvent("post-auction") },
  {
    at: `${day}T21:03:05-05:00`,
    type: "host.said",
    payload: {
      utteranceId: "u3",
      text: "Sold to @zeta.eth for 2.25 ETH! Congratulations, and thank you all for bidding.",
    },
  },
  {
    at: `${day}T21:03:10-05:00`,
    type: "host.speaking",
    payload: { utteranceId: "u3", level: 0.35 },
  },
];

/** The sample events up to `phase`'s moment, in order, with `at` filled in the payloads that carry one. */
export function sampleEvents(phase: Phase): SampleEvent[] {
  const until = Temporal.Instant.from(SAMPLE_MOMENT[phase]);
  return timeline
    .filter((e) => Temporal.Instant.compare(Temporal.Instant.from(e.at), until) <= 0)
    .map((e) => {
      const payload = e.payload as Record<string, unknown>;
      return "at" in payload && payload.at === "" ? { ...e, payload: { ...payload, at: e.at } } : e;
    });
}
