/**
 * The tweet grammar: what a mention of the host asks for. Case-insensitive and
 * tolerant of greetings, extra words and emoji. Bids are only recognised here;
 * their amounts are judged by the auction (which rejects `malformed` ones with
 * a reason), so a bid with a bad amount still goes to the auction.
 */

export type Command =
  | { kind: "bid" }
  | { kind: "link"; proof: string }
  | { kind: "history" }
  | { kind: "remind" }
  | { kind: "stop" }
  | { kind: "help" }
  | { kind: "keep"; keep: boolean }
  | { kind: "question"; text: string }
  | { kind: "malformed"; reason: string };

const FILLER = new Set([
  "hey",
  "hi",
  "hello",
  "yo",
  "gm",
  "ok",
  "okay",
  "please",
  "pls",
  "plz",
  "so",
  "and",
  "i",
  "i'd",
  "id",
  "like",
  "to",
  "want",
]);

/** An amount with a unit anywhere (`2.5 eth`, `Ξ2.5`, `2.5Ξ`), however malformed its digits. */
const AMOUNT_WITH_UNIT = /(?:Ξ\s*-?[\d.,]*\d|-?[\d.,]*\d\s*(?:eth\b|Ξ))/iu;
/** The word `bid` followed by something number-like (`bid 2`, `bid .5`, `bid -1`, `bid 2,5`). */
const BID_WORD = /\bbid\s*:?\s*(?:Ξ\s*)?-?[\d.,]*\d/iu;

/** Strips a leading word's decoration: emoji, punctuation. */
const bare = (word: string) => word.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}']+$/gu, "");

export function parseCommand(text: string, hostHandle: string): Command {
  const host = hostHandle.replace(/^@/, "").toLowerCase();
  // Drop every mention of the host and the reply prefix of other mentions.
  const body = text
    .replace(/(^|\s)@(\w{1,15})/g, (m, lead, name) => (name.toLowerCase() === host ? lead : m))
    .replace(/^(\s*@\w{1,15})+/, "")
    .replace(/\s+/g, " ")
    .trim();
  const words = body.split(" ").filter(Boolean);
  const rawWords = words;
  let i = 0;
  while (i < words.length && (FILLER.has(bare(words[i])) || bare(words[i]) === "")) i++;
  const first = bare(words[i] ?? "");

  if (first === "link") {
    const proof = rawWords[i + 1]?.replace(/[.,!?]+$/, "");
    if (!proof) {
      return {
        kind: "malformed",
        reason: "to link a wallet, tweet: link <code> (the code from the link page)",
      };
    }
    return { kind: "link", proof };
  }
  if (AMOUNT_WITH_UNIT.test(body) || BID_WORD.test(body)) return { kind: "bid" };
  if (first === "bid" || first === "bids") {
    if (body.trim().endsWith("?")) return { kind: "question", text: body };
    return { kind: "malformed", reason: "to bid, tweet: bid <amount> ETH (e.g. bid 2.5 ETH)" };
  }
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
  if (!body) return { kind: "help" };
  return { kind: "question", text: body };
}
