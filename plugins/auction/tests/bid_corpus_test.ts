/**
 * The labelled corpus (`bid_corpus.json`): every tweet, read by the grammar and
 * decided by the rules on a fresh open auction with ample escrow, must become
 * exactly what its entry says — a bid or a maximum of that amount, `cancel max`,
 * a `malformed` rejection naming the reason, or one of the kinds of not-a-bid.
 */
import { assert, assertEquals } from "../../../core/testing.ts";
import { corpus, outcome } from "./bid_corpus.ts";

const matches = (got: string, becomes: string) =>
  becomes.startsWith("malformed: ")
    ? got.startsWith("malformed: ") && got.includes(becomes.slice("malformed: ".length))
    : got === becomes;

Deno.test("the bid corpus has at least 300 labelled tweets, each with its reason", () => {
  assert(corpus.length >= 300, `only ${corpus.length} entries`);
  for (const e of corpus) assert(e.why.length > 3 && e.becomes.length > 3, JSON.stringify(e));
  assertEquals(new Set(corpus.map((e) => e.tweet)).size, corpus.length, "no tweet twice");
});

Deno.test("every corpus tweet becomes what its entry says", () => {
  const wrong = corpus.filter((e) => !matches(outcome(e.tweet), e.becomes))
    .map((e) =>
      `${JSON.stringify(e.tweet)}: wants ${e.becomes} (${e.why}), got ${outcome(e.tweet)}`
    );
  assertEquals(wrong, []);
});
