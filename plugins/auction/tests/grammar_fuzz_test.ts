/**
 * Fuzzing the tweet grammar (`readBid`, the auction's) and the command grammar
 * (`parseCommand`, the x plugin's) with 120,000 generated tweets (fast-check):
 * bid-shaped text built from the grammar's own pieces and hostile look-alikes
 * (other digits, zero-width and bidirectional characters, huge and long
 * amounts, separators), and arbitrary Unicode. Neither ever throws; every
 * result is a bid or a reason of the declared kinds; a bid's amount is positive
 * wei with its text; the same tweet always reads the same (also after other
 * tweets were read); a tweet the auction reads as a bid or a malformed bid is
 * one the x plugin sends to the auction, as `link` aside, it must.
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../../core/testing.ts";
import { readBid } from "../parse_bid.ts";
import { parseCommand } from "../../x/parse_command.ts";

const WORDS = [
  "bid",
  "BID",
  "max",
  "cancel",
  "cancel max",
  "ETH",
  "eth",
  "Ξ",
  "wei",
  "gwei",
  "€",
  "$",
  "k",
  "please",
  "—",
  "-",
  ",",
  ".",
  "?",
  "¿",
  "!",
  "not",
  "won't",
  "maybe",
  "if",
  "would",
  "RT",
  "@bob:",
  "@SothebAIs",
  "@sothebais",
  "#genesis-1",
  "#",
  "tx",
  "0x" + "ab".repeat(32),
  "link",
  "history",
  "remind",
  "stop",
  "keep",
  "refund",
  "help",
  "my",
  "bids",
  "\u200b", // zero-width space
  "\u200d",
  "\ufeff",
  "\u202e", // right-to-left override
  "\u2066",
  "٢", // Arabic-Indic digit
  "２", // full-width digit
  "𝟐", // mathematical digit
  "½",
  "Ⅻ",
  "🔥",
  "\n",
  "\t",
  "\u0000",
];

const amount = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc.tuple(fc.nat({ max: 9999 }), fc.stringMatching(/^[0-9]{1,22}$/)).map(([a, b]) => `${a}.${b}`),
  fc.stringMatching(/^[0-9]{20,120}$/),
  fc.stringMatching(/^[0-9]{1,4}[,.][0-9]{1,4}([,.][0-9]{1,4})?$/),
  fc.stringMatching(/^-?[0-9]*\.?[0-9]*e[+-]?[0-9]{1,3}$/),
  fc.constantFrom("0", "0.0", ".5", "5.", "00001", "1_000", "0x10", "NaN", "Infinity", "-1"),
);

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 3, arbitrary: amount },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
);

const bidShaped = fc.array(piece, { minLength: 0, maxLength: 10 }).chain((parts) =>
  fc.array(fc.constantFrom(" ", "", "  ", " \u200b"), {
    minLength: parts.length,
    maxLength: parts.length,
  }).map((gaps) => "@SothebAIs " + parts.map((p, i) => p + gaps[i]).join(""))
);

/** Close to a valid bid, with one of the grammar's edges around it. */
const nearBid = fc.tuple(
  fc.constantFrom("bid ", "bid max ", "", "Bid ", "BID max ", "bid Ξ", "cancel max"),
  fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.stringMatching(/^[0-9]{0,3}$/))
      .map(([a, b]) => (b ? `${a}.${b}` : String(a))),
    amount,
  ),
  fc.constantFrom(" ETH", " eth", "", " Ξ", "ETH", " ETH!"),
  fc.constantFrom("", " #genesis-1", " — thanks", ", thanks", " please", "?", "\u200b", " 🔥"),
).map(([verb, a, unit, tail]) =>
  `@SothebAIs ${verb}${verb === "cancel max" ? "" : a + unit}${tail}`
);

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ maxLength: 5000 }),
);

const READ_KINDS = new Set(["bid", "cancel-max", "malformed", "not-bid"]);
const NOT_BID = new Set(["question", "hedged", "quote", "unclear", "none"]);
const COMMANDS = new Set([
  "bid",
  "not-bid",
  "link",
  "link-help",
  "history",
  "remind",
  "stop",
  "help",
  "keep",
  "question",
]);

let reads = 0;
const kinds = new Map<string, number>();
/** One tweet through both grammars, twice, with another tweet read in between. */
function check(text: string, other: string): void {
  reads++;
  const read = readBid(text);
  const command = parseCommand(text, "SothebAIs");
  readBid(other);
  parseCommand(other, "SothebAIs");
  assertEquals(readBid(text), read, "readBid is deterministic");
  assertEquals(parseCommand(text, "SothebAIs"), command, "parseCommand is deterministic");

  assert(READ_KINDS.has(read.kind), `readBid kind ${read.kind}`);
  const kind = read.kind === "not-bid" ? `not-bid:${read.why}` : read.kind;
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  if (read.kind === "bid") {
    assert(typeof read.amountWei === "bigint" && read.amountWei > 0n, "a bid is positive wei");
    assert(read.amountText.length > 0, "a bid keeps its amount's text");
    assert(Array.isArray(read.tags));
  } else if (read.kind === "malformed") {
    assert(read.message.length > 0, "a malformed bid says why");
  } else if (read.kind === "not-bid") {
    assert(NOT_BID.has(read.why), `not-bid why ${read.why}`);
  }
  assert(COMMANDS.has(command.kind), `command kind ${command.kind}`);
  if (read.kind !== "not-bid" && command.kind !== "link") {
    assertEquals(command.kind, "bid", "what the auction would decide reaches it");
  }
}

Deno.test("fuzz: 120,000 generated tweets through the bid and command grammars", () => {
  reads = 0;
  fc.assert(fc.property(bidShaped, bidShaped, check), { numRuns: 80_000, seed: 15_001 });
  fc.assert(fc.property(nearBid, bidShaped, check), { numRuns: 20_000, seed: 15_002 });
  fc.assert(fc.property(anyText, nearBid, check), { numRuns: 20_000, seed: 15_003 });
  assertEquals(reads >= 120_000, true);
  // The generators reach every kind of answer, bids included.
  for (const k of ["bid", "malformed", "cancel-max", "not-bid:question", "not-bid:hedged"]) {
    assert((kinds.get(k) ?? 0) > (k === "bid" ? 5000 : 100), `only ${kinds.get(k) ?? 0} × ${k}`);
  }
  console.log(
    `fuzz: ${reads} tweets read by both grammars (twice each), none threw: ${
      [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ")
    }`,
  );
});
