import { deepStrictEqual, ok } from "node:assert/strict";
import { corpus, outcome } from "../auction/tests/bid_corpus.ts";
import { parseCommand } from "./parse_command.ts";

const kind = (text: string) => parseCommand(text, "@SothebAIs").kind;

Deno.test("bids go to the auction: the forms of the grammar, malformed ones included", () => {
  for (
    const text of [
      "@SothebAIs bid 2.5",
      "@sothebais BID 2.5 ETH",
      "@SothebAIs 2.5 eth",
      "@SothebAIs Ξ2.5",
      "🔥🔥 @SothebAIs bid 3 ETH let's go",
      "hey @SothebAIs I bid 4",
      "@alice @SothebAIs bid 1",
      "@SothebAIs bid max 3 ETH",
      "@SothebAIs cancel max",
      // Malformed amounts are still bids: the auction rejects them with the reason.
      "@SothebAIs bid 2,5",
      "@SothebAIs bid -1",
      "@SothebAIs bid 300 €",
      "@SothebAIs bid 1 or 2 eth",
      "@SothebAIs bid",
    ]
  ) deepStrictEqual(kind(text), "bid", text);
});

Deno.test("the corpus, read by the x plugin: only what the auction may decide goes to it", () => {
  for (const e of corpus) {
    const c = parseCommand(e.tweet, "@SothebAIs");
    const toAuction = !["question", "hedged", "quote", "unclear", "none"].includes(
      outcome(e.tweet),
    );
    deepStrictEqual(c.kind === "bid", toAuction, `${e.tweet}: ${c.kind}`);
    if (["hedged", "quote", "unclear"].includes(e.becomes)) {
      deepStrictEqual(c, { kind: "not-bid", why: e.becomes, hint: (c as { hint?: string }).hint });
    }
    if (e.becomes === "question") deepStrictEqual(c.kind, "question", e.tweet);
  }
});

Deno.test("a retweet or a quote (X's referenced_tweets) is never a bid", () => {
  deepStrictEqual(parseCommand("@SothebAIs bid 3 ETH", "SothebAIs", true), {
    kind: "not-bid",
    why: "quote",
  });
  // A quote with nothing bid-like in it is still chatter for the host.
  deepStrictEqual(parseCommand("@SothebAIs love this one", "SothebAIs", true).kind, "question");
  deepStrictEqual(parseCommand("@SothebAIs is this 2 ETH?", "SothebAIs", true).kind, "question");
  deepStrictEqual(parseCommand("@SothebAIs maybe 2 ETH", "SothebAIs", true).kind, "not-bid");
});

Deno.test("commands: link, history, remind, stop, help", () => {
  deepStrictEqual(parseCommand("@SothebAIs link ABC-123", "SothebAIs"), {
    kind: "link",
    proof: "ABC-123",
  });
  deepStrictEqual(parseCommand("@SothebAIs please LINK xyz.", "SothebAIs"), {
    kind: "link",
    proof: "xyz",
  });
  deepStrictEqual(parseCommand("@SothebAIs link\u200b ABC", "SothebAIs"), {
    kind: "link",
    proof: "ABC",
  });
  deepStrictEqual(kind("@SothebAIs link"), "link-help");
  deepStrictEqual(kind("@SothebAIs history"), "history");
  deepStrictEqual(kind("@SothebAIs my bids"), "history");
  deepStrictEqual(kind("@SothebAIs remind me 🙏"), "remind");
  deepStrictEqual(kind("@SothebAIs pls remind"), "remind");
  deepStrictEqual(kind("@SothebAIs STOP"), "stop");
  deepStrictEqual(kind("@SothebAIs help"), "help");
  deepStrictEqual(kind("@SothebAIs help?"), "help");
  deepStrictEqual(kind("@SothebAIs"), "help");
});

Deno.test("questions go to the host, normalised; what looks like a bid gets a hint", () => {
  deepStrictEqual(parseCommand("@SothebAIs who painted this?", "SothebAIs"), {
    kind: "question",
    text: "who painted this?",
  });
  deepStrictEqual(kind("@SothebAIs bid how?"), "question");
  deepStrictEqual(kind("@SothebAIs would you take 1 ETH?"), "question");
  deepStrictEqual(kind("@SothebAIs can you stop the music"), "question");
  const injected = parseCommand("@SothebAIs who\u{E0041} are you\u202e?", "SothebAIs");
  deepStrictEqual(injected, { kind: "question", text: "who are you ?" });
  const hedged = parseCommand("@SothebAIs I won't bid 5 ETH", "SothebAIs");
  ok(hedged.kind === "not-bid" && hedged.why === "hedged" && hedged.hint);
});

Deno.test("commands: keep and refund answer what happens to unspent escrow", () => {
  deepStrictEqual(parseCommand("@SothebAIs keep my balance 🙏", "SothebAIs"), {
    kind: "keep",
    keep: true,
  });
  deepStrictEqual(parseCommand("hey @SothebAIs refund please", "SothebAIs"), {
    kind: "keep",
    keep: false,
  });
  deepStrictEqual(kind("@SothebAIs can I keep bidding tomorrow?"), "question");
  deepStrictEqual(kind("@SothebAIs keep my 2 ETH for tomorrow"), "keep");
});
