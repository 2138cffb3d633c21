/**
 * Reads the amount (and any auction hashtags) out of a bid tweet, exactly:
 * the amount is validated as a decimal string and handed to viem's
 * `parseEther`, so no floating point ever touches money.
 */
import { parseEther } from "viem";

export type ParsedBid =
  | { ok: true; amountWei: bigint; tags: string[]; txHash?: string }
  | { ok: false; message: string; tags: string[] };

const MENTION = /@\w+/g;
const HASHTAG = /#([\p{L}\p{N}_-]+)/gu;
// A deposit transaction named with the bid ("bid with transaction"); never read as an amount.
const TX_HASH = /(?<![0-9A-Za-z])0x[0-9a-fA-F]{64}(?![0-9A-Za-z])/g;
// A run of digits with separators, optionally signed or marked with Ξ; units checked after.
const NUMBER_RUN =
  /([-−–$€£]?)\s*(Ξ?)\s*([0-9][0-9.,]*|[.,][0-9][0-9.,]*)([\p{L}]*)(\s+[\p{L}]+)?/gu;
// Units that are not ETH: a bid in them is not a bid in ETH, so it is refused, not guessed.
const OTHER_UNIT = /^(k|m|b|x|usd|usdc|usdt|dai|btc|sol|gwei|wei|dollars?|bucks|eur|euros?)$/i;
const DECIMAL = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$/;

/**
 * Parses a bid tweet: `bid 2.5`, `bid 2.5 ETH`, `2.5 eth`, `Ξ2.5`, `2.5Ξ`, `bid .5`,
 * optionally naming its deposit: `bid 2 ETH 0x<64 hex>`.
 */
export function parseBid(text: string): ParsedBid {
  const tags = [...text.matchAll(HASHTAG)].map((m) => m[1].toLowerCase());
  const hashes = [...text.matchAll(TX_HASH)].map((m) => m[0].toLowerCase());
  const body = text.replace(MENTION, " ").replace(HASHTAG, " ").replace(TX_HASH, " ");
  const runs = [...body.matchAll(NUMBER_RUN)].map((m) => ({
    sign: m[1],
    // A sentence may end right after the amount: "bid 2." / "bid 2, thanks".
    digits: m[3].replace(/[.,]$/, ""),
    unit: (m[4] || m[5] || "").trim(),
  }));
  const fail = (message: string): ParsedBid => ({ ok: false, message, tags });
  if (runs.length === 0) return fail("no amount found: write e.g. “bid 2.5 ETH”");
  if (runs.length > 1) return fail("several amounts in one tweet: bid one amount at a time");
  if (new Set(hashes).size > 1) return fail("several transactions in one tweet: name one");
  const [{ sign, digits, unit }] = runs;
  if (sign && sign !== "-" && sign !== "−" && sign !== "–") return fail("bids are in ETH only");
  if (OTHER_UNIT.test(unit)) return fail(`bids are in ETH only, not “${unit}”`);
  if (digits.includes(",")) {
    return fail(`“${digits}” is ambiguous: use a point for decimals (2.5), no separators`);
  }
  if (!DECIMAL.test(digits)) return fail(`“${digits}” is not a decimal amount`);
  if (sign) return fail("a bid cannot be negative");
  const decimals = digits.split(".")[1] ?? "";
  if (decimals.length > 18) return fail("more than 18 decimals: ETH has 18 at most");
  const amountWei = parseEther(digits);
  if (amountWei === 0n) return fail("a bid must be more than zero");
  return hashes.length
    ? { ok: true, amountWei, tags, txHash: hashes[0] }
    : { ok: true, amountWei, tags };
}

/**
 * Reads a configured amount: `"<decimal> ETH"` or a wei integer string.
 * Throws with a reason when it is neither.
 */
export function parseAmount(text: string): bigint {
  const trimmed = text.trim();
  const eth = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*ETH$/i.exec(trimmed);
  if (eth) {
    if ((eth[1].split(".")[1] ?? "").length > 18) throw new Error("more than 18 decimals");
    return parseEther(eth[1]);
  }
  if (/^[0-9]+$/.test(trimmed)) return BigInt(trimmed);
  throw new Error(`"${text}" is not "<decimal> ETH" or a wei integer`);
}
