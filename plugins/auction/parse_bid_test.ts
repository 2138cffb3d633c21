import { assertEquals, assertMatch, assertThrows } from "./test_assert.ts";
import { parseAmount, parseBid } from "./parse_bid.ts";

const ok = (text: string) => {
  const r = parseBid(text);
  if (!r.ok) throw new Error(`${text}: ${r.message}`);
  return r.amountWei;
};
const bad = (text: string) => {
  const r = parseBid(text);
  if (r.ok) throw new Error(`${text}: parsed as ${r.amountWei}`);
  return r.message;
};

Deno.test("every bid form of the rules", () => {
  const cases: [string, bigint][] = [
    ["bid 2.5", 2_500_000_000_000_000_000n],
    ["bid 2.5 ETH", 2_500_000_000_000_000_000n],
    ["2.5 eth", 2_500_000_000_000_000_000n],
    ["Ξ2.5", 2_500_000_000_000_000_000n],
    ["2.5Ξ", 2_500_000_000_000_000_000n],
    ["bid .5", 500_000_000_000_000_000n],
    ["@SothebAIs bid 1.5 ETH", 1_500_000_000_000_000_000n],
    ["@SothebAIs bid 2 #genesis-1", 2_000_000_000_000_000_000n],
    ["bid 3", 3_000_000_000_000_000_000n],
    ["bid 2.", 2_000_000_000_000_000_000n],
    ["bid 1.000000000000000001", 1_000_000_000_000_000_001n],
    ["BID 0.1 Eth please @user42", 100_000_000_000_000_000n],
    ["bid 2.5 please", 2_500_000_000_000_000_000n],
    ["bid 2.5ETH", 2_500_000_000_000_000_000n],
    ["bid 3 ether", 3_000_000_000_000_000_000n],
    ["Ξ 2.5 🔥", 2_500_000_000_000_000_000n],
  ];
  for (const [text, wei] of cases) assertEquals(ok(text), wei, text);
});

Deno.test("the exact wei of a long decimal is kept (no float rounding)", () => {
  assertEquals(ok("bid 0.123456789012345678"), 123_456_789_012_345_678n);
  assertEquals(ok("bid 12345678901234567890.5"), 12345678901234567890_500_000_000_000_000_000n);
});

Deno.test("malformed bids give a human reason", () => {
  assertMatch(bad("bid 1.0000000000000000001"), /18 decimals/);
  assertMatch(bad("bid -2"), /negative/);
  assertMatch(bad("bid 0"), /zero/);
  assertMatch(bad("bid 0.000"), /zero/);
  assertMatch(bad("bid 2,5"), /ambiguous/);
  assertMatch(bad("bid 1,000"), /ambiguous/);
  assertMatch(bad("bid 2 or 3"), /several amounts/);
  assertMatch(bad("bid 2.5 ETH, no wait Ξ3"), /several amounts/);
  assertMatch(bad("bid lots"), /no amount/);
  assertMatch(bad("bid 1.2.3"), /not a decimal/);
  assertMatch(bad("bid 2.5 BTC"), /ETH only/);
  assertMatch(bad("bid 2k"), /ETH only/);
  assertMatch(bad("bid $300"), /ETH only/);
  assertMatch(bad("bid 300 usdc"), /ETH only/);
});

Deno.test("hashtags name the auction and are not amounts", () => {
  const r = parseBid("@SothebAIs bid 2 #Genesis-1 #nft");
  assertEquals(r, { ok: true, amountWei: 2_000_000_000_000_000_000n, tags: ["genesis-1", "nft"] });
});

Deno.test("configured amounts: ETH decimals or wei", () => {
  assertEquals(parseAmount("1 ETH"), 1_000_000_000_000_000_000n);
  assertEquals(parseAmount("0.01 eth"), 10_000_000_000_000_000n);
  assertEquals(parseAmount("12345"), 12345n);
  assertThrows(() => parseAmount("1,5 ETH"));
  assertThrows(() => parseAmount("-1"));
});

Deno.test("a bid may name its deposit transaction; the hash is never read as an amount", () => {
  const hash = `0x${"ab12".repeat(16)}`;
  const r = parseBid(`@SothebAIs bid 2 ETH ${hash} #genesis-1`);
  assertEquals(r, {
    ok: true,
    amountWei: 2_000_000_000_000_000_000n,
    tags: ["genesis-1"],
    txHash: hash,
  });
  const upper = parseBid(`bid 2.5 0x${"AB12".repeat(16)}`);
  assertEquals(upper.ok && [upper.amountWei, upper.txHash], [2_500_000_000_000_000_000n, hash]);
  assertEquals(parseBid("bid 2").ok && "txHash" in parseBid("bid 2"), false);
  // The malformed rules still hold around a hash.
  assertMatch(bad(`bid 2 3 ${hash}`), /several amounts/);
  assertMatch(bad(`bid ${hash}`), /no amount/);
  assertMatch(bad(`bid 2 ${hash} 0x${"cd34".repeat(16)}`), /several transactions/);
  // Not a 32-byte hash (an address, a hash one digit short): not taken for a transaction.
  assertEquals(parseBid(`bid 2 0x${"ab".repeat(20)}`).ok, false);
  assertEquals(parseBid(`bid 2 ${hash.slice(0, -1)}`).ok, false);
});
