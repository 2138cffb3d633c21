/**
 * Help that matches: every tweet in the README's bidding guide becomes what the
 * guide says, and every command the `help` reply and the ticker's lines quote is
 * read as that command — so neither can drift from the grammar.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { outcome } from "../auction/tests/bid_corpus.ts";
import { fixFor, helpReply, howToBid } from "./help.ts";
import { parseCommand } from "./parse_command.ts";

const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const guide = readme.slice(readme.indexOf("## Bidding: what to tweet"));
const rows = guide.slice(0, guide.indexOf("\n## ", 5)).split("\n")
  .filter((l) => l.startsWith("| `"))
  .map((l) => l.split(" | ").map((c) => c.replace(/^\| |\s+\|?$/g, "").trim()));

const matches = (got: string, becomes: string) =>
  becomes.startsWith("malformed: ")
    ? got.startsWith("malformed: ") && got.includes(becomes.slice("malformed: ".length))
    : got === becomes;

Deno.test("the README's bidding guide: every tweet in it becomes what it says", () => {
  ok(rows.length >= 12, `${rows.length} rows`);
  const wrong: string[] = [];
  for (const [tweets, becomes] of rows) {
    for (const [, tweet] of tweets.matchAll(/`([^`]+)`/g)) {
      if (!matches(outcome(tweet), becomes)) wrong.push(`${tweet}: ${outcome(tweet)} ≠ ${becomes}`);
    }
  }
  deepStrictEqual(wrong, []);
});

const facts = { hostHandle: "@SothebAIs", linkUrl: "https://bid.example/link" };

Deno.test("the ticker's lines quote only tweets that are what they say", () => {
  const quoted = howToBid(facts).flatMap((l) => [...l.matchAll(/“([^”]+)”/g)].map((m) => m[1]));
  const tweets = quoted.filter((q) => q.startsWith("@"));
  deepStrictEqual(tweets.map((q) => (q.includes(" link ") ? "link" : outcome(q))), [
    "bid 2.5 ETH",
    "bid 2.5 ETH",
    "max 3 ETH",
    "cancel max",
    "link",
  ]);
  deepStrictEqual(parseCommand(tweets[4].replace("<code>", "K7Q2MX"), "@SothebAIs").kind, "link");
  // The words it says are never bids are never bids.
  for (const word of quoted.filter((q) => !q.startsWith("@"))) {
    deepStrictEqual(outcome(`@SothebAIs ${word} bid 2 ETH`), "hedged", word);
  }
  ok(howToBid(facts).some((l) => l.includes("https://bid.example/link")));
});

Deno.test("the help reply quotes only commands that are read as those commands", () => {
  const reply = helpReply(facts);
  ok([...`@carol ${reply}`].length <= 280, reply);
  const kinds = [...reply.matchAll(/"([^"]+)"/g)].map((m) => {
    const c = parseCommand(`@SothebAIs ${m[1]}`, "@SothebAIs");
    return c.kind === "bid" ? outcome(`@SothebAIs ${m[1]}`) : c.kind;
  });
  deepStrictEqual(kinds, [
    "bid 2.5 ETH",
    "max 3 ETH",
    "cancel max",
    "link",
    "history",
    "remind",
    "stop",
    "keep",
    "keep",
  ]);
  ok(reply.includes("https://bid.example/link"));
});

Deno.test("every refusal that needs a wallet names the link page for the account", () => {
  deepStrictEqual(
    fixFor("not_linked", { ...facts, handle: "@dave", userId: "42" }),
    "To link: sign on https://bid.example/link?handle=@dave&user=42 then tweet link <code>.",
  );
  for (const reason of ["insufficient_funds", "below_reserve", "closed", "edited", "paused"]) {
    ok(fixFor(reason, { ...facts, handle: "@dave" }).length > 10, reason);
  }
});
