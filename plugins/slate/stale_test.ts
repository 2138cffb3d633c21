/**
 * staleReasons: an open auction quiet for the configured time and each watched
 * check that is down give one line each; hostile labels and item names are
 * cleaned and bounded.
 */
import assert from "node:assert/strict";
import { MAX_REASON_CHARS, MAX_REASONS, staleReasons } from "./stale.ts";

const auction = (status: string, updatedMs: number, item = "Genesis #7") => ({
  status,
  item,
  updatedMs,
});

Deno.test("an open auction is stale after auctionStaleSeconds without an update", () => {
  const auctions = new Map([["a", auction("open", 0)]]);
  const at = (nowMs: number) =>
    staleReasons({ nowMs, auctions, auctionStaleSeconds: 60, checks: [] });
  assert.deepEqual(at(59_999), []);
  assert.deepEqual(at(60_000), ["auction data stale: Genesis #7 not updated in 60 s"]);
});

Deno.test("only an open auction can be stale: scheduled, paused and closed ones are quiet", () => {
  for (const status of ["scheduled", "paused", "closed", "cancelled"]) {
    const auctions = new Map([["a", auction(status, 0)]]);
    assert.deepEqual(
      staleReasons({ nowMs: 1e9, auctions, auctionStaleSeconds: 1, checks: [] }),
      [],
    );
  }
});

Deno.test("a watched check down is a reason; one up or not seen is not", () => {
  const reasons = staleReasons({
    nowMs: 0,
    auctions: new Map(),
    auctionStaleSeconds: 60,
    checks: [
      { label: "the tweet source", ok: false },
      { label: "the chain", ok: true },
      { label: "the other", ok: undefined },
    ],
  });
  assert.deepEqual(reasons, ["the tweet source is down"]);
});

Deno.test("hostile: control and bidi characters are removed, lines and their count bounded", () => {
  const auctions = new Map(
    Array.from({ length: 10 }, (_, i) => [
      `a${i}`,
      auction("open", 0, `Lot\u202e${i}\n\u0000${"x".repeat(500)}`),
    ]),
  );
  const reasons = staleReasons({ nowMs: 10_000, auctions, auctionStaleSeconds: 1, checks: [] });
  assert.deepEqual(reasons.length, MAX_REASONS);
  for (const r of reasons) {
    assert.deepEqual(r.length <= MAX_REASON_CHARS, true);
    assert.deepEqual(/[\p{Cc}\p{Cf}]/u.test(r), false, r);
  }
  assert.deepEqual(reasons[0].startsWith("auction data stale: Lot 0 xxx"), true, reasons[0]);
});
