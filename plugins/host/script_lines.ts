/**
 * What the host says about each auction event when no one asked a question:
 * short lines, written for the ear (numbers spoken as "2.5 ETH", handles with @).
 */
import { formatEther } from "viem";
import type { BusEvent } from "../../core/bus.ts";
import type { AuctionSnapshot } from "../auction/mod.ts";

export const eth = (wei: bigint) => `${formatEther(wei)} ETH`;

/** A line for an event, with a priority (higher first) and a key: a newer line replaces an older one with the same key. */
export interface Line {
  text: string;
  priority: number;
  key: string;
}

export function scriptLines(event: BusEvent, hostHandle: string): Line | null {
  // deno-lint-ignore no-explicit-any
  const p = event.payload as any;
  switch (event.type) {
    case "auction.opened":
      return {
        text:
          `The auction for ${p.item} is open! Tweet "${hostHandle} bid" and your amount in ETH to bid.`,
        priority: 3,
        key: `open:${p.auctionId}`,
      };
    case "bid.accepted":
      // A bid a maximum answered at once: the raise that follows is the news.
      if (p.leads === false) return null;
      return {
        text: p.proxy
          ? `${p.handle}'s maximum bid answers: ${
            eth(p.amountWei)
          }, over ${p.previousLeader?.handle}!`
          : p.previousLeader
          ? `${p.handle} takes the lead with ${eth(p.amountWei)}, over ${p.previousLeader.handle}!`
          : `We have a first bid: ${eth(p.amountWei)} from ${p.handle}!`,
        priority: 2,
        key: `leader:${p.auctionId}`,
      };
    case "auction.extended":
      return {
        text: "A last-minute bid! The clock is extended. There is still time.",
        priority: 3,
        key: `extended:${p.auctionId}`,
      };
    case "auction.closed":
      return {
        text: p.winner
          ? `Sold! ${p.winner.handle} wins with ${eth(p.winner.amountWei)}. Congratulations!`
          : "The auction has closed without a sale today. See you tomorrow.",
        priority: 4,
        key: `closed:${p.auctionId}`,
      };
    case "campaign.phase":
      if (p.phase === "pre-auction") {
        return {
          text: `Welcome! Today's auction starts at ${clockTime(p.startsAt)} New York time.`,
          priority: 1,
          key: `phase:${p.campaignId}`,
        };
      }
      return null;
    default:
      return null;
  }
}

function clockTime(iso: string): string {
  const t = Temporal.Instant.from(iso).toZonedDateTimeISO("America/New_York");
  return t.toPlainTime().toString({ smallestUnit: "minute" });
}

/** A spoken answer from the facts alone, for when no language model is configured. */
export function factualAnswer(auctions: AuctionSnapshot[], now: Temporal.Instant): string {
  const live = auctions.find((a) => a.status === "open" || a.status === "paused");
  if (!live) {
    const next = auctions.filter((a) => a.status === "scheduled")
      .sort((a, b) =>
        Temporal.Instant.compare(
          Temporal.Instant.from(a.startsAt),
          Temporal.Instant.from(b.startsAt),
        )
      )[0];
    return next
      ? `The next auction, ${next.item}, starts at ${clockTime(next.startsAt)} New York time.`
      : "There is no auction running right now. Stay tuned!";
  }
  const left = Temporal.Instant.from(live.endsAt).since(now).round({
    largestUnit: "hour",
    smallestUnit: "minute",
    roundingMode: "floor",
  });
  const price = live.leader
    ? `The bid to beat is ${eth(live.leader.amountWei)} from ${live.leader.handle}`
    : `No bids yet; the reserve is ${eth(live.reserveWei)}`;
  const time = left.sign <= 0
    ? "and we are at the very end"
    : `with ${left.hours ? `${left.hours} hours and ` : ""}${left.minutes} minutes left`;
  return `${price} on ${live.item}, ${time}. The next bid must be at least ${
    eth(live.minNextWei)
  }.`;
}
