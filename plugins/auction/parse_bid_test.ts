import { assertEquals, assertMatch, assertThrows } from "../../core/testing.ts";
import { normaliseText, parseAmount, readBid } from "./parse_bid.ts";

const ok = (text: string) => {
  const r = readBid(text);
  if (r.kind !== "bid") throw new Error(`${text}: ${JSON.stringify(r)}`);
  return r;
};
const bad = (text: string) => {
  const r = readBid(text);
  if (r.kind !== "malformed") throw new Error(`${text}: ${r.kind}`);
  return r.message;
};

Deno.test("the exact wei of a long decimal is kept (no float rounding)", () => {
  assertEquals(ok("bid 0.123456789012345678").amountWei, 123_456_789_012_345_678n);
  assertEquals(
    ok("bid 12345678901234567890.5").amountWei,
    12345678901234567890_500_000_000_000_000_000n,
  );
  assertEquals(ok("bid 1.000000000000000001").amountWei, 1_000_000_000_000_000_001n);
});

Deno.test("a bid carries the amount as written, its hashtags and its deposit", () => {
  const hash = `0x${"ab12".repeat(16)}`;
  assertEquals(readBid(`@SothebAIs bid 2 ETH ${hash} #Genesis-1 #nft`), {
    kind: "bid",
    amountWei: 2_000_000_000_000_000_000n,
    amountText: "2",
    max: false,
    tags: ["genesis-1", "nft"],
    txHash: hash,
  });
  assertEquals(ok("bid .5").amountText, ".5");
  assertEquals(ok("bid max 3 ETH").max, true);
  // Not a 32-byte hash (an address, a hash one digit short): never read as a transaction.
  assertEquals(readBid(`bid 2 0x${"ab".repeat(20)}`).kind, "malformed");
  assertEquals(readBid(`bid 2 ${hash.slice(0, -1)}`).kind, "malformed");
  assertMatch(bad(`bid 2 ${hash} 0x${"cd34".repeat(16)}`), /several transactions/);
});

Deno.test("every refusal names the fix", () => {
  assertMatch(bad("bid 2,5"), /ambiguous.*2\.5/);
  assertMatch(bad("bid 300 €"), /ETH only.*e\.g\. bid 2\.5 ETH/);
  assertMatch(bad("bid max 2 k"), /e\.g\. bid max 3 ETH/);
  assertMatch(bad("bid ٢ ETH"), /digits 0–9/);
  assertMatch(bad("bid 1\u202e0 ETH"), /direction marks.*type the bid again/);
  assertMatch(bad("bid"), /no amount found: write e\.g\. bid 2\.5 ETH/);
  assertMatch(bad("bid 1 or 2"), /several amounts.*bid one amount/);
  assertMatch(bad("cancel max now"), /tweet just: cancel max/);
});

Deno.test("what is not a bid says so, and why", () => {
  assertEquals(readBid("@SothebAIs would you take 1 ETH?"), { kind: "not-bid", why: "question" });
  assertEquals(readBid("RT @bob: @SothebAIs bid 3 ETH").kind, "not-bid");
  const hedged = readBid("@SothebAIs I won't bid 5 ETH");
  assertEquals(hedged.kind === "not-bid" && [hedged.why, Boolean(hedged.hint)], ["hedged", true]);
  assertEquals(readBid("@SothebAIs love this piece"), { kind: "not-bid", why: "none" });
});

Deno.test("normalising: what a person sees is what is read", () => {
  assertEquals(normaliseText("bid .\u2060844 Ξ").text, "bid .844 Ξ");
  assertEquals(normaliseText("ｂｉｄ ２").text, "bid 2");
  assertEquals(normaliseText("ｂｉｄ ２").foreignDigits, true);
  assertEquals(normaliseText("bid 1\u202e0").bidi, true);
  assertEquals(normaliseText("a\u0000b\u{E0041}c").text, "a bc");
  assertEquals(normaliseText("don’t").text, "don't");
});

Deno.test("hostile input: long, odd and control-laden tweets are read (no runaway pattern)", () => {
  for (
    const text of ["bid " + "9".repeat(100_000), "bid " + "1.".repeat(50_000), "@a ".repeat(30_000)]
  ) {
    const r = readBid(text);
    assertEquals(r.kind === "bid" && r.amountText.length <= 100, r.kind === "bid");
  }
  assertEquals(readBid("bid 2\u0000 ETH").kind, "bid");
});

Deno.test("configured amounts: ETH decimals or wei", () => {
  assertEquals(parseAmount("1 ETH"), 1_000_000_000_000_000_000n);
  assertEquals(parseAmount("0.01 eth"), 10_000_000_000_000_000n);
  assertEquals(parseAmount("12345"), 12345n);
  assertThrows(() => parseAmount("1,5 ETH"));
  assertThrows(() => parseAmount("-1"));
});
