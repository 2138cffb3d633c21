/**
 * The tweet grammar: what a mention of the host asks for. Text is normalised
 * first (what a person sees is what is read). Whether a tweet is a bid is the
 * auction's grammar (`readBid`), read here the same way the auction reads it
 * again: a bid, a maximum, `cancel max` and a malformed bid go to the auction
 * (which rejects a malformed one with the reason); what only looks like a bid
 * (a negation, a hypothetical, a retweet or quote) gets a reply saying how to
 * bid; a question goes to the host. Other commands are read by their first word.
 */
import { normaliseText, type NotBid, OPENERS, readBid } from "../auction/mod.ts";

export type Command =
  | { kind: "bid" }
  | { kind: "not-bid"; why: NotBid; hint?: string }
  | { kind: "link"; proof: string }
  /** `link` without its code. */
  | { kind: "link-help" }
  | { kind: "history" }
  | { kind: "remind" }
  | { kind: "stop" }
  | { kind: "help" }
  | { kind: "keep"; keep: boolean }
  | { kind: "question"; text: string };

/** What may come before a command's first word: a bid's openers, and "I'd like to". */
const FILLER = new Set([...OPENERS, "i'd", "id", "like", "to", "want"]);

/** Strips a leading word's decoration: emoji, punctuation. */
const bare = (word: string) => word.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}']+$/gu, "");

/**
 * `quotes`: X says the tweet retweets or quotes another (`referenced_tweets`): its
 * words may be someone else's, so it is never a bid.
 */
export function parseCommand(text: string, hostHandle: string, quotes = false): Command {
  const host = hostHandle.replace(/^@/, "").toLowerCase();
  // Drop every mention of the host and the reply prefix of other mentions.
  const body = normaliseText(text).text
    .replace(/(^|\s)@(\w{1,15})/g, (m, lead, name) => (name.toLowerCase() === host ? lead : m))
    .replace(/^(\s*@\w{1,15})+/, "")
    .replace(/\s+/g, " ")
    .trim();
  const words = body.split(" ").filter(Boolean);
  let i = 0;
  while (i < words.length && (FILLER.has(bare(words[i])) || bare(words[i]) === "")) i++;
  const first = bare(words[i] ?? "");

  if (first === "link") {
    const proof = words[i + 1]?.replace(/[.,!?]+$/, "");
    return proof ? { kind: "link", proof } : { kind: "link-help" };
  }
  const read = readBid(text);
  // A quote's own question or chatter is for the host; anything bid-like is someone else's.
  if (quotes && !(read.kind === "not-bid" && (read.why === "none" || read.why === "question"))) {
    return { kind: "not-bid", why: "quote" };
  }
  if (read.kind !== "not-bid") return { kind: "bid" };
  if (first === "history" || (first === "my" && bare(words[i + 1] ?? "") === "bids")) {
    return { kind: "history" };
  }
  if (first === "remind" || first === "remindme") return { kind: "remind" };
  if (first === "stop" || first === "unsubscribe") return { kind: "stop" };
  // Unspent escrow after an auction: keep it for the next one, or have it refunded (the default).
  if (first === "keep") return { kind: "keep", keep: true };
  if (first === "refund") return { kind: "keep", keep: false };
  if (first === "help" || first === "commands" || (body === "?" && words.length === 1)) {
    return { kind: "help" };
  }
  if (read.why === "question") return { kind: "question", text: body };
  if (read.why !== "none") return { kind: "not-bid", why: read.why, hint: read.hint };
  if (!body) return { kind: "help" };
  return { kind: "question", text: body };
}
