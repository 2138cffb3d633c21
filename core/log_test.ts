import { assertEquals, assertMatch } from "./testing.ts";
import { createLog } from "./log.ts";

Deno.test("log: JSON lines with a New York time, level, component, message and fields", () => {
  const lines: string[] = [];
  const log = createLog("engine", { write: (l) => lines.push(l), level: "info" });
  log.debug("hidden");
  log.child("auction").info("bid accepted", { amountWei: 10n ** 18n, n: 1 });
  assertEquals(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  assertMatch(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*[-+]0[45]:00$/);
  assertEquals(
    { ...entry, time: undefined },
    {
      time: undefined,
      level: "info",
      component: "engine.auction",
      msg: "bid accepted",
      amountWei: "1000000000000000000",
      n: 1,
    },
  );
});

Deno.test("log: secrets never reach the output, by value or by field name", () => {
  const lines: string[] = [];
  const secret = "sk-live-abcdef123456";
  const log = createLog("x", { write: (l) => lines.push(l), secrets: [secret] });
  log.error("request failed", {
    error: new Error(`401 for key ${secret}`),
    apiKey: "whatever-it-is",
    nested: { accessToken: "tok-999999", tokenId: 7 },
    url: `https://api.example/?k=${secret}`,
  });
  const text = lines.join("\n");
  assertEquals(text.includes(secret), false);
  assertEquals(text.includes("whatever-it-is"), false);
  assertEquals(text.includes("tok-999999"), false);
  assertMatch(text, /401 for key \[redacted\]/);
  assertMatch(text, /"tokenId":7/); // an NFT's token id is not a secret
});

Deno.test("log, pretty: time, part and message with scalar fields; objects and secrets left out", () => {
  const lines: string[] = [];
  const secret = "sk-live-abcdef123456";
  const log = createLog("engine", {
    format: "pretty",
    colour: false,
    write: (l) => lines.push(l),
    secrets: [secret],
  });
  log.child("chain").info("embedded anvil started", {
    url: "http://127.0.0.1:41234",
    bidders: 5,
    nft: { contract: "0xabc" },
    note: "two words",
    apiKey: "whatever-it-is",
  });
  log.child("x").warn("request failed", { error: new Error(`401 for ${secret}\nstack…`) });
  log.info("x".repeat(10), { long: "y".repeat(200) });
  assertMatch(
    lines[0],
    /^\d\d:\d\d:\d\d {2}chain {6}embedded anvil started {2}http:\/\/127\.0\.0\.1:41234 bidders=5 note="two words" apiKey=\[redacted\]$/,
  );
  assertMatch(
    lines[1],
    /^\d\d:\d\d:\d\d {2}x {10}warn request failed {2}error=401 for \[redacted\]$/,
  );
  assertEquals(lines[2].endsWith(`long=${"y".repeat(79)}…`), true);
  assertEquals(lines.join("\n").includes("whatever-it-is"), false);
});
