import assert from "node:assert/strict";
import { formatEth, toWei } from "./draw.ts";
import { formatLeft } from "../widget-countdown/countdown.ts";
import { nyClockText } from "../widget-clock/clock.ts";

Deno.test("formatEth is exact from wei: no floats, grouped, truncation marked", () => {
  assert.equal(formatEth(0n), "0 ETH");
  assert.equal(formatEth(1_000_000_000_000_000_000n), "1 ETH");
  assert.equal(formatEth(2_250_000_000_000_000_000n), "2.25 ETH");
  assert.equal(formatEth(1_234_000_000_000_000_000_000n), "1,234 ETH");
  // 0.1 + 0.2 in floats is 0.30000000000000004; in wei it is exact.
  assert.equal(formatEth(100_000_000_000_000_000n + 200_000_000_000_000_000n), "0.3 ETH");
  assert.equal(formatEth(1_000_000_000_000_000_001n), "1… ETH");
  assert.equal(formatEth(123_456_789_000_000_000n), "0.1234… ETH");
  assert.equal(formatEth(123_456_789_000_000_000n, 9), "0.123456789 ETH");
  assert.equal(
    formatEth(2n ** 200n).startsWith("1,606,938,044,258,990,275,541,962,092,341,162,602"),
    true,
  );
});

Deno.test("toWei reads bigints and decimal strings only", () => {
  assert.equal(toWei(5n), 5n);
  assert.equal(toWei("123456789012345678901234567890"), 123456789012345678901234567890n);
  assert.equal(toWei("1.5"), null);
  assert.equal(toWei(1.5), null);
});

Deno.test("countdown text: mm:ss under an hour, h:mm:ss above, rounds up, never negative", () => {
  assert.equal(formatLeft(0), "00:00");
  assert.equal(formatLeft(-5000), "00:00");
  assert.equal(formatLeft(1), "00:01");
  assert.equal(formatLeft(299_000), "04:59");
  assert.equal(formatLeft(3_600_000), "1:00:00");
  assert.equal(formatLeft(3_723_000), "1:02:03");
});

Deno.test("the clock shows New York time with EST or EDT", () => {
  assert.equal(nyClockText(Temporal.Instant.from("2026-11-26T01:58:24Z")), "8:58:24 PM EST");
  assert.equal(nyClockText(Temporal.Instant.from("2026-07-04T16:00:00Z")), "12:00:00 PM EDT");
});
