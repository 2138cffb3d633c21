/**
 * How to bid, said once. The `help` reply, the stream's ticker (`help.published`)
 * and the README's bidding guide all describe exactly the grammar of
 * `plugins/auction/parse_bid.ts`, and every refusal names its fix. The facts in
 * them (the host's handle, the link page) come from config, never from a fixed
 * text; a test reads the README's examples through the grammar.
 */
import type { NotBid } from "../auction/mod.ts";

export interface HelpFacts {
  /** `@name` */
  hostHandle: string;
  /** Where a bidder signs to link a wallet. */
  linkUrl: string;
}

/** The ticker's lines: the whole grammar of a bid, one line each. */
export function howToBid({ hostHandle: h, linkUrl }: HelpFacts): string[] {
  return [
    `To bid, tweet “${h} bid 2.5 ETH” (or “${h} 2.5 ETH”) — in ETH, a point for decimals`,
    `Maximum bid: “${h} bid max 3 ETH” raises your bid for you, up to 3 ETH; “${h} cancel max” stops it`,
    `Link your wallet first: sign on ${linkUrl}, then tweet “${h} link <code>”`,
    "Questions, retweets, “if”, “maybe” and “don't” are never bids",
  ];
}

/** The `help` reply (after the asker's handle). */
export function helpReply({ linkUrl }: HelpFacts): string {
  return `bid: "bid 2.5 ETH" · a maximum raised for you: "bid max 3 ETH", "cancel max" · ` +
    `link a wallet: sign on ${linkUrl}, then tweet "link <code>" · "history" · "remind"/"stop" · ` +
    `after an auction: "keep" or "refund". Questions go to the host.`;
}

/** The link page for one account (the page fills in the handle and the X user id). */
export const linkPageFor = (linkUrl: string, handle: string, userId?: string) =>
  `${linkUrl}?handle=${handle}${userId ? `&user=${userId}` : ""}`;

/** The reply to a tweet that looked like a bid and is not one. */
export function notBidReply(why: NotBid, hint: string | undefined, f: HelpFacts): string {
  const said = why === "quote"
    ? "a retweet or a quote is never a bid"
    : hint ?? "that is not a bid";
  return `${said}. To bid, tweet: ${f.hostHandle} bid 2.5 ETH (your amount, in ETH)`;
}

/** What to do about a rejected bid, by reason (the rules' message says what was wrong). */
export function fixFor(
  reason: string,
  f: HelpFacts & { handle: string; userId?: string },
): string {
  switch (reason) {
    case "not_linked":
      return `To link: sign on ${
        linkPageFor(f.linkUrl, f.handle, f.userId)
      } then tweet link <code>.`;
    case "insufficient_funds":
      return "Deposit more ETH to escrow from your linked wallet, then bid again.";
    case "below_reserve":
    case "below_increment":
      return "Bid at least that amount.";
    case "not_open":
      return "Bid again once bidding opens.";
    case "paused":
      return "Bid again when the auction resumes.";
    case "closed":
      return "Watch for the next auction.";
    case "edited":
      return "To bid again, tweet a new bid.";
    case "rate_limited":
      return "Wait a minute, then bid again.";
    default:
      return "";
  }
}
