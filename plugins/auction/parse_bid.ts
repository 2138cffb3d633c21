/**
 * The bid grammar: whether a tweet is a bid, and of how much. A tweet binds
 * money only when its command is an imperative bid:
 *
 *   bid <amount> [ETH|Ξ] · bid Ξ<amount> · <amount> ETH · Ξ<amount> · bid max <amount> [ETH]
 *   cancel max
 *
 * with an optional `#auction-id`, a deposit transaction hash, and (after `bid`) a
 * short comment. Everything else is never a bid: questions, negations and
 * hypotheticals, retweets (`RT @…`), several amounts, other units, non-ASCII digits.
 *
 * Text is normalised first (NFKC; zero-width characters removed; bidirectional
 * controls refused in a bid) so what is read is what a person sees. Amounts are
 * validated decimal strings handed to viem's `parseEther`: no float touches money.
 * Units are an allow-list: right after the amount only `ETH` (any case), `Ξ`, a
 * separator (`—`, `,`, `.`, `!` …) or the end may follow.
 *
 * The x plugin reads every mention through `readBid`; the auction reads every
 * `bid.submitted` through it again, so whatever emits a bid, one grammar decides.
 */
import { parseEther } from "viem";

export type BidRead =
  /** A bid of `amountWei`; `max`: a maximum (proxy) bid, placed and raised automatically. */
  | {
    kind: "bid";
    amountWei: bigint;
    amountText: string;
    max: boolean;
    tags: string[];
    txHash?: string;
  }
  /** `cancel max`: stop raising the bidder's maximum. */
  | { kind: "cancel-max"; tags: string[] }
  /** Meant as a bid but unreadable: the auction rejects it `malformed` with `message`. */
  | { kind: "malformed"; message: string; amountText?: string; tags: string[] }
  /** Not a bid, never reaches the auction; `hint` tells how to bid when it looked like one. */
  | { kind: "not-bid"; why: NotBid; hint?: string };

/**
 * question: a `?` in it (for the host); hedged: a negation or hypothetical around an
 * amount; quote: a retweet; unclear: a bid word or amount but no bid command; none: no
 * sign of a bid at all (other commands, chatter).
 */
export type NotBid = "question" | "hedged" | "quote" | "unclear" | "none";

export const HOW_TO_BID = "bid <amount> ETH, e.g. bid 2.5 ETH";

// ---- normalising -------------------------------------------------------------

/** Characters that can make text read differently than it shows. */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Zero-width and other invisible characters (incl. variation selectors and tag characters). */
const INVISIBLE =
  /[\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200D\u2060-\u2064\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;
// deno-lint-ignore no-control-regex -- control characters are what it removes
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;
const FOREIGN_DIGIT = /(?![0-9])[\p{Nd}\p{No}]/u;

export interface Normalised {
  /** NFKC, invisible characters removed, controls and direction marks turned into spaces. */
  text: string;
  /** It held bidirectional control characters (removed from `text`). */
  bidi: boolean;
  /** It held digits other than ASCII 0–9 (fullwidth, Arabic-Indic, superscripts, ½ …). */
  foreignDigits: boolean;
}

/** What a person sees: for every command, not only bids (the host's questions too). */
export function normaliseText(raw: string): Normalised {
  const visible = raw.replace(INVISIBLE, "");
  const bidi = BIDI.test(visible);
  const foreignDigits = FOREIGN_DIGIT.test(visible);
  const text = visible.replace(new RegExp(BIDI.source, "gu"), " ").replace(CONTROL, " ")
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u02BC\u2032]/g, "'");
  return { text, bidi, foreignDigits };
}

// ---- the command ---------------------------------------------------------------

const URL = /\bhttps?:\/\/\S+/giu;
const MENTION = /(^|[^\w@])@\w{1,15}\b/gu;
const HASHTAG = /#([\p{L}\p{N}_-]+)/gu;
// A deposit transaction named with the bid; never read as an amount.
const TX_HASH = /(?<![0-9A-Za-z])0x[0-9a-fA-F]{64}(?![0-9A-Za-z])/g;
const RETWEET = /^\s*RT\s+@\w{1,15}\s*:/i;
const AMOUNT_WITH_UNIT = /\p{Nd}\s*(?:eth\b|Ξ)|Ξ\s*\p{Nd}/iu;

/** Words a bid may open with (lower case, without punctuation); other commands too. */
export const OPENERS: ReadonlySet<string> = new Set([
  "hey",
  "hi",
  "hello",
  "yo",
  "gm",
  "ok",
  "okay",
  "alright",
  "please",
  "pls",
  "plz",
  "kindly",
  "so",
  "and",
  "i",
]);
/** Phrases of intent a bid may open with: "I'd like to bid 2 ETH". */
const OPENING_PHRASES = [
  ["i'd", "like", "to"],
  ["id", "like", "to"],
  ["i", "would", "like", "to"],
  ["i", "want", "to"],
  ["i", "wanna"],
  ["let", "me"],
];
/** Negations, hypotheticals and hedges: a command with any of these is not a bid. */
const HEDGES = new Set([
  "not",
  "no",
  "nope",
  "nah",
  "never",
  "don't",
  "dont",
  "won't",
  "wont",
  "can't",
  "cant",
  "cannot",
  "wouldn't",
  "shouldn't",
  "isn't",
  "if",
  "unless",
  "would",
  "could",
  "should",
  "might",
  "maybe",
  "perhaps",
  "probably",
  "possibly",
  "hypothetically",
  "suppose",
  "imagine",
  "wonder",
  "wondering",
  "thinking",
  "considering",
  "tempted",
  "jk",
  "j/k",
  "kidding",
  "joking",
  "/s",
]);
/** What a bare amount may carry besides decoration: "2.5 ETH please". */
const COURTESY = new Set(["please", "pls", "plz", "thanks", "thx", "ty"]);

const word = (token: string) =>
  token.toLowerCase().replace(/^[^\p{L}\p{N}/']+|[^\p{L}\p{N}/']+$/gu, "");
/** Emoji, punctuation, symbols: no letter, no digit. */
const decoration = (token: string) => !/[\p{L}\p{N}]/u.test(token);

/** Reads a tweet (or its text as `bid.submitted` carries it). */
export function readBid(raw: string): BidRead {
  const n = normaliseText(raw);
  if (RETWEET.test(n.text)) {
    return { kind: "not-bid", why: "quote", hint: "a retweet is never a bid" };
  }
  const tags = [...n.text.matchAll(HASHTAG)].map((m) => m[1].toLowerCase());
  const hashes = [...new Set([...n.text.matchAll(TX_HASH)].map((m) => m[0].toLowerCase()))];
  const body = n.text.replace(URL, " ").replace(TX_HASH, " ").replace(HASHTAG, " ")
    .replace(MENTION, "$1 ").replace(/\s+/g, " ").trim();
  const tokens = body.split(" ").filter(Boolean);
  const words = tokens.map(word);
  const hasAmount = /\p{Nd}/u.test(body) || /Ξ/.test(body);
  const bidWord = words.some((w) => /^(bid|bids|bidding|max)$/.test(w));
  if (body.includes("?") || body.includes("¿")) return { kind: "not-bid", why: "question" };

  let i = 0;
  for (;;) {
    const phrase = OPENING_PHRASES.find((p) => p.every((w, k) => words[i + k] === w));
    if (phrase) i += phrase.length;
    else if (i < tokens.length && (OPENERS.has(words[i]) || decoration(tokens[i]))) i++;
    else break;
  }
  const command = tokens.slice(i).join(" ");
  // Openers never hedge: "I would like to bid" is a bid, "I would bid" is not.
  const hedged = words.slice(i).some((w) => HEDGES.has(w));
  const malformed = (message: string, amountText?: string): BidRead => ({
    kind: "malformed",
    message,
    ...(amountText === undefined ? {} : { amountText }),
    tags,
  });
  const notBid = (why: NotBid): BidRead =>
    why === "none" ? { kind: "not-bid", why } : {
      kind: "not-bid",
      why,
      hint: why === "hedged"
        ? "that reads as a negation or a hypothetical, so it is not a bid"
        : "that is not a bid",
    };

  if (/^cancel\s+(?:my\s+)?max(?:imum)?(?=$|[\s.!,;:])/i.test(command)) {
    const after = command.replace(/^cancel\s+(?:my\s+)?max(?:imum)?/i, "").trim();
    if (hedged) return notBid("hedged");
    if (after.split(" ").every((t) => !t || decoration(t) || COURTESY.has(word(t)))) {
      return { kind: "cancel-max", tags };
    }
    return malformed("to stop your maximum bid, tweet just: cancel max");
  }
  const bid = /^bid(?:\s*:)?(?=$|[\s\d.,Ξ$€£¥₿-])\s*/i.exec(command);
  const bare = !bid && /^(?:Ξ|[0-9.]|\p{Nd})/u.test(command);
  if (!bid && !bare) {
    if (hedged && (hasAmount || bidWord)) return notBid("hedged");
    return notBid((bidWord && hasAmount) || AMOUNT_WITH_UNIT.test(body) ? "unclear" : "none");
  }
  if (hedged) return notBid("hedged");
  if (n.bidi) {
    return malformed(
      "the tweet holds invisible direction marks, which can make it read differently than " +
        "it shows: type the bid again without them",
    );
  }
  if (n.foreignDigits) return malformed("write the amount in the digits 0–9, e.g. bid 2.5 ETH");
  if (hashes.length > 1) return malformed("several transactions in one tweet: name one");

  const amount = readAmount(command.slice(bid ? bid[0].length : 0), !bid);
  if (amount.kind === "bare-unclear") return notBid("unclear");
  if (amount.kind === "malformed") return malformed(amount.message, amount.amountText);
  return {
    kind: "bid",
    amountWei: amount.amountWei,
    amountText: amount.amountText,
    max: amount.max,
    tags,
    ...(hashes.length ? { txHash: hashes[0] } : {}),
  };
}

type Amount =
  | { kind: "ok"; amountWei: bigint; amountText: string; max: boolean }
  | { kind: "malformed"; message: string; amountText?: string }
  /** A bare number without the words of a bid ("2.5", "2 ETH is a lot"). */
  | { kind: "bare-unclear" };

const NUMBER = /^(?:[0-9][0-9.,]*|[.,][0-9][0-9.,]*)/;
const DECIMAL = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$/;
const UNIT = /^(?:eth|Ξ)/i;
/** Separators that may end the amount before a comment: "bid 2 — for my daughter". */
const SEPARATOR = /^[—–\-,.!;:…]/;
const CURRENCY = /^[\p{Sc}%]/u;

/** The amount after `bid` (or the whole command when `bare`), its unit and what follows. */
function readAmount(rest: string, bare: boolean): Amount {
  let s = rest.trim();
  const max = !bare && /^max(?:imum)?(?=$|[\s\d.Ξ])/i.test(s);
  if (max) s = s.replace(/^max(?:imum)?\s*/i, "");
  const example = max ? "bid max 3 ETH" : "bid 2.5 ETH";
  if (/^[-−–]\s*[0-9.]/.test(s)) return { kind: "malformed", message: "a bid cannot be negative" };
  const currency = CURRENCY.exec(s);
  if (currency) {
    return {
      kind: "malformed",
      message: `bids are in ETH only, not “${currency[0]}”: write e.g. ${example}`,
    };
  }
  let unit = false;
  if (s.startsWith("Ξ")) {
    unit = true;
    s = s.slice(1).trimStart();
  }
  const number = NUMBER.exec(s);
  if (!number) {
    if (bare) return { kind: "bare-unclear" };
    return { kind: "malformed", message: `no amount found: write e.g. ${example}` };
  }
  let digits = number[0];
  let after = s.slice(digits.length);
  // A sentence may end right after the amount: "bid 2." / "bid 2, thanks".
  if (/[.,]$/.test(digits) && (after === "" || after.startsWith(" "))) {
    after = digits.slice(-1) + after;
    digits = digits.slice(0, -1);
  }
  const amountText = digits.slice(0, 100);
  // "1.000" is 1 in English and 1000 where a point groups thousands (de, es, it, …).
  if (digits.includes(",") || /^[1-9][0-9]{0,2}\.000$/.test(digits)) {
    return {
      kind: "malformed",
      message: `“${amountText}” is ambiguous: use a point for decimals only, no separators ` +
        "(2.5, or 1000)",
      amountText,
    };
  }
  if (!DECIMAL.test(digits)) {
    return { kind: "malformed", message: `“${amountText}” is not a decimal amount`, amountText };
  }
  if ((digits.split(".")[1] ?? "").length > 18) {
    return {
      kind: "malformed",
      message: "more than 18 decimals: ETH has 18 at most",
      amountText,
    };
  }

  if (/[0-9]/.test(after)) {
    if (bare) return { kind: "bare-unclear" };
    return {
      kind: "malformed",
      message: `several amounts in one tweet: bid one amount, e.g. ${example}`,
      amountText,
    };
  }
  // What follows the amount: the unit, a separator, or the end (an allow-list).
  const follows = afterAmount(after, unit);
  if (follows.kind === "refused") {
    return bare ? { kind: "bare-unclear" } : unitRefused(follows.what, example, amountText);
  }
  unit ||= follows.unit;
  const tail = follows.tail;
  if (bare && !unit) return { kind: "bare-unclear" };
  if (bare && !tail.split(" ").every((t) => !t || decoration(t) || COURTESY.has(word(t)))) {
    return { kind: "bare-unclear" };
  }
  const amountWei = parseEther(digits.startsWith(".") ? `0${digits}` : digits);
  if (amountWei === 0n) return { kind: "malformed", message: "a bid must be more than zero" };
  return { kind: "ok", amountWei, amountText, max };
}

/**
 * The token right after the amount: glued (`2.5ETH`, `2k`, `10%`) or the next word
 * (`2.5 ETH`, `2 million`). `unit`: whether the amount already had one (`Ξ2.5`), so
 * decoration (`Ξ2.5 🔥`) may follow it.
 */
function afterAmount(
  after: string,
  unit: boolean,
): { kind: "ok"; unit: boolean; tail: string } | { kind: "refused"; what: string } {
  const glued = /^\S*/.exec(after)![0];
  const spaced = !glued;
  const token = spaced ? after.trim().split(" ")[0] : glued;
  const rest = spaced ? after.trim().slice(token.length) : after.slice(glued.length);
  if (!token) return { kind: "ok", unit: false, tail: "" };
  if (UNIT.test(token) && decoration(token.replace(UNIT, ""))) {
    return { kind: "ok", unit: true, tail: rest };
  }
  if (SEPARATOR.test(token[0]) && (spaced || decoration(token))) {
    return { kind: "ok", unit: false, tail: after };
  }
  if (spaced && unit && decoration(token)) return { kind: "ok", unit: false, tail: after };
  return { kind: "refused", what: token };
}

const unitRefused = (what: string, example: string, amountText: string): Amount => ({
  kind: "malformed",
  message: `bids are in ETH only, and “${
    what.slice(0, 20)
  }” right after the amount is not ETH: write e.g. ${example} (a comment may follow ETH)`,
  amountText,
});

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
