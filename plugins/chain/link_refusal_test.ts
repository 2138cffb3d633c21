import { assertEquals } from "../../core/testing.ts";
import { refusalText } from "./link_refusal.ts";

Deno.test("link refusal: the server's words from whichever field carries them", () => {
  assertEquals(
    refusalText(400, { ok: false, message: "that code has expired" }),
    "that code has expired",
  );
  assertEquals(
    refusalText(409, { ok: false, reason: "wallet linked to another account" }),
    "wallet linked to another account",
  );
  // The rate limit's and the body limit's words are in `error` (they say how long to wait).
  assertEquals(
    refusalText(429, { ok: false, error: "too many link requests: try again in 12 s" }),
    "too many link requests: try again in 12 s",
  );
  assertEquals(
    refusalText(413, { error: "the body is too large: at most 16384 bytes" }),
    "the body is too large: at most 16384 bytes",
  );
});

Deno.test("link refusal: a body with no words, or a hostile one, gives the status on one short line", () => {
  for (
    const body of [
      null,
      undefined,
      "<html>502</html>",
      42,
      [],
      {},
      { message: "" },
      { message: 7 },
      { error: {} },
    ]
  ) {
    assertEquals(refusalText(502, body), "refused (HTTP 502)", JSON.stringify(body));
  }
  const long = refusalText(400, { message: `a\n\n${"x".repeat(10_000)}` });
  assertEquals(long.length, 200);
  assertEquals(long.startsWith("a x"), true);
  assertEquals(long.endsWith("…"), true);
});
