/**
 * The payload fields the widgets read from the bus, as the consumer sees them.
 * The owning plugins declare the full events (auction: issue 4; host/voice and
 * stream: issue 3); these are structural subsets, so either side may add fields.
 */
export interface ItemShape {
  title?: string;
  name?: string;
  artist?: string;
  /** A path inside the assets folder, e.g. `nft/sample.png`. */
  image?: string;
  collection?: string;
  tokenId?: string;
}

/** The item's display title, whatever shape it came in. */
export function itemTitle(item: AuctionUpdated["item"]): string | undefined {
  if (typeof item === "string") return item;
  return item?.title ?? item?.name;
}

export interface AuctionUpdated {
  auctionId: string;
  /** The auction plugin sends the item's name; richer shapes are accepted too. */
  item: string | ItemShape | null;
  status: "scheduled" | "open" | "paused" | "closed" | "cancelled";
  startsAt: string;
  endsAt: string;
  maxEndsAt?: string;
  reserveWei: bigint;
  priceWei: bigint | null;
  leader: { handle: string; tweetId: string; amountWei: bigint } | null;
  bidCount: number;
  minNextWei: bigint;
  extensions: number;
  /** Anti-sniping: a bid this close to the end moves it `extensionSeconds` past the bid. */
  extensionWindowSeconds?: number;
  extensionSeconds?: number;
}

export interface BidAccepted {
  auctionId: string;
  tweetId: string;
  handle: string;
  amountWei: bigint;
  at: string;
  previousLeader: { handle: string; amountWei: bigint } | null;
  endsAt: string;
  /** An automatic raise of a maximum bid. */
  proxy?: boolean;
  /** The bid log entry (a tweet id, or `<tweet>:proxy` for a raise). */
  entryId?: string;
}

export interface BidRejected {
  auctionId: string | null;
  tweetId: string;
  handle: string;
  reason: string;
  message: string;
  at: string;
}

export interface AuctionExtended {
  auctionId: string;
  endsAt: string;
  previousEndsAt: string;
}

export interface AuctionClosed {
  auctionId: string;
  winner: { handle: string; amountWei: bigint; tweetId: string } | null;
  runnerUp: { handle: string; amountWei: bigint } | null;
  at: string;
}

export type Phase = "pre-auction" | "auction" | "post-auction";

export interface CampaignPhase {
  campaignId: string;
  day: string;
  phase: Phase;
  auctionId: string;
  startsAt: string;
  endsAt: string;
}

export interface HostSaid {
  text: string;
  utteranceId: string;
}

export interface HostSpeaking {
  utteranceId: string;
  level: number;
}
