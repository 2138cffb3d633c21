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
