import { deepStrictEqual } from "node:assert/strict";
import { parseCommand } from "./parse_command.ts";

const kind = (text: string) => parseCommand(text, "@SothebAIs").kind;

Deno.test("bids: the forms of the auction grammar, with emoji and extra words", () => {
  for (
    const text of [
      "@SothebAIs bid 2.5",
      "@sothebais BID 2.5 ETH",
      "@SothebAIs 2.5 eth",
      "@SothebAIs Ξ2.5",
      "@SothebAIs 2.5Ξ",
      "@SothebAIs bid .5",
      "🔥🔥 @SothebAIs bid 3 ETH let's go",
      "hey @SothebAIs I bid 4",
      "@alice @SothebAIs bid 1",
      // Malformed amounts are still bids: the auction rejects them with the reason.
      "@SothebAIs bid 2,5",
      "@SothebAIs bid -1",
      "@SothebAIs bid 0",
      "@SothebAIs bid 1 or 2 eth",
    ]
  ) deepStrictEqual(kind(text), "bid", text);
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
  deepStrictEqual(kind("@SothebAIs history"), "history");
  deepStrictEqual(kind("@SothebAIs my bids"), "history");
  deepStrictEqual(kind("@SothebAIs remind me 🙏"), "remind");
  deepStrictEqual(kind("@SothebAIs pls remind"), "remind");
  deepStrictEqual(kind("@SothebAIs STOP"), "stop");
  deepStrictEqual(kind("@SothebAIs help"), "help");
  deepStrictEqual(kind("@SothebAIs"), "help");
});

Deno.test("malformed commands get a short reason; the rest goes to the host", () => {
  const link = parseCommand("@SothebAIs link", "SothebAIs");
  deepStrictEqual(link.kind, "malformed");
  deepStrictEqual(kind("@SothebAIs bid"), "malformed");
  deepStrictEqual(kind("@SothebAIs bid now"), "malformed");
  deepStrictEqual(kind("@SothebAIs bid how?"), "question");
  deepStrictEqual(parseCommand("@SothebAIs who painted this?", "SothebAIs"), {
    kind: "question",
    text: "who painted this?",
  });
  deepStrictEqual(kind("@SothebAIs what's the history of this piece?"), "question");
  deepStrictEqual(kind("@SothebAIs can you stop the music"), "question");
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
});
