/**
 * The bid grammar's cost (a script: `deno run -A plugins/auction/bench/grammar.ts`): every
 * tweet of the labelled corpus read by `readBid`, and decided by `decide` on a fresh market,
 * many times over; prints the median time per tweet of 5 runs.
 */
import { corpus, corpusMarket as market } from "../tests/bid_corpus.ts";
import { readBid } from "../parse_bid.ts";
import { decide } from "../rules.ts";

const at = Temporal.Instant.from("2026-03-08T15:00:00Z");
const wallet = { linked: true, balanceWei: 10n ** 30n };
const tweets = corpus.map((e) => e.tweet);
const ROUNDS = 50;

function run(f: (text: string) => unknown): number {
  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) for (const t of tweets) f(t);
  return ((performance.now() - t0) * 1000) / (ROUNDS * tweets.length);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

run(readBid); // warm up
const read = median(Array.from({ length: 5 }, () => run(readBid)));
const decided = median(
  Array.from(
    { length: 5 },
    () => run((text) => decide(market, { tweetId: "1", handle: "@a", text, tweetAt: at }, wallet)),
  ),
);
console.log(
  `bid grammar over the corpus (${tweets.length} tweets × ${ROUNDS}), median of 5: ` +
    `readBid ${read.toFixed(1)} µs a tweet; decide (grammar + rules) ${decided.toFixed(1)} µs`,
);
