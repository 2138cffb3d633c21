import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../core/testing.ts";
import {
  applyAdmin,
  type AuctionRules,
  type Bid,
  close,
  decide,
  decideBatch,
  type Decision,
  leaderOf,
  type Market,
  mayClose,
  minNextWei,
  newAuction,
  open,
  type Wallet,
  withAuction,
} from "./rules.ts";

const ETH = 10n ** 18n;
const I = (s: string) => Temporal.Instant.from(s);
const rules = (over: Partial<AuctionRules> = {}): AuctionRules => ({
  id: "genesis-1",
  item: "Genesis #1",
  campaignId: null,
  startsAt: I("2026-03-08T14:00:00-04:00"),
  endsAt: I("2026-03-08T16:00:00-04:00"),
  maxEndsAt: I("2026-03-08T16:10:00-04:00"),
  reserveWei: 1n * ETH,
  minIncrementBps: 500,
  minIncrementWei: ETH / 100n,
  extensionWindowSeconds: 300,
  extensionSeconds: 300,
  ingestGraceSeconds: 60,
  ...over,
});
const market = (...auctions: AuctionRules[]): Market => ({
  auctions: Object.fromEntries(auctions.map((r) => [r.id, open(newAuction(r))])),
  rateLimit: { bids: 5, perSeconds: 60 },
  maxBidWei: 10_000n * ETH,
  recent: {},
});
const rich: Wallet = { linked: true, balanceWei: 100n * ETH };
let nextId = 1000;
const bid = (handle: string, text: string, at: string): Bid => ({
  tweetId: String(nextId++),
  handle,
  text,
  tweetAt: I(at),
});
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;

function run(m: Market, steps: Array<[Bid, Wallet?]>): { decisions: Decision[]; market: Market } {
  const decisions: Decision[] = [];
  for (const [b, w] of steps) {
    const r = decide(m, b, w ?? rich);
    decisions.push(r.decision);
    m = r.market;
  }
  return { decisions, market: m };
}
const reasonOf = (d: Decision) => d.kind === "accepted" ? "accepted" : d.reason;

Deno.test("accepts a first bid at the reserve and enforces the increment after", () => {
  const { decisions, market: m } = run(market(rules()), [
    [bid("@alice", "bid 1", T("14:05:00"))],
    [bid("@bob", "bid 1.04", T("14:06:00"))], // 1 + max(5%, 0.01) = 1.05
    [bid("@bob", "bid 1.05", T("14:07:00"))],
  ]);
  assertEquals(decisions.map(reasonOf), ["accepted", "below_increment", "accepted"]);
  assertEquals(leaderOf(m.auctions["genesis-1"])?.handle, "@bob");
  // 1.05 × 1.05 = 1.1025, rounded up to a readable 4 significant digits.
  assertEquals(minNextWei(m.auctions["genesis-1"]), 1_103n * ETH / 1000n);
});

Deno.test("the fixed minimum increment applies when the percentage is smaller", () => {
  const m = market(rules({ reserveWei: ETH / 100n, minIncrementWei: ETH / 10n }));
  const r = run(m, [[bid("@a", "bid 0.01", T("14:01:00"))]]);
  assertEquals(minNextWei(r.market.auctions["genesis-1"]), ETH / 100n + ETH / 10n);
});

Deno.test("ceil of the percentage increment, in exact wei", () => {
  const m = market(rules({ reserveWei: 3n, minIncrementBps: 500, minIncrementWei: 1n }));
  const r = run(m, [[bid("@a", "bid 0.000000000000000021", T("14:01:00"))]]);
  // 21 × 5% = 1.05 → ceil 2
  assertEquals(minNextWei(r.market.auctions["genesis-1"]), 23n);
});

Deno.test("readable minimums: at most 4 significant digits, and that exact amount is required", () => {
  const m = market(rules({ reserveWei: ETH / 100n, minIncrementWei: 1n }));
  // 1.315 × 1.05 = 1.38075 → 1.381 ETH, never "1.38075 ETH".
  let r = run(m, [[bid("@a", "bid 1.315", T("14:01:00"))]]);
  const s = r.market.auctions["genesis-1"];
  assertEquals(minNextWei(s), 1_381n * ETH / 1000n);
  r = run(r.market, [
    [bid("@b", "bid 1.3808", T("14:02:00"))],
    [bid("@b", "bid 1.381", T("14:03:00"))],
  ]);
  assertEquals(r.decisions.map(reasonOf), ["below_increment", "accepted"]);
  const refused = r.decisions[0];
  assertEquals(
    refused.kind === "rejected" && refused.message,
    "the next bid must be at least 1.381 ETH",
  );
  // Small amounts keep their 4 digits too: 0.0123456 × 1.05 → 0.01297 ETH.
  const small = run(m, [[bid("@a", "bid 0.0123456", T("14:01:00"))]]);
  assertEquals(minNextWei(small.market.auctions["genesis-1"]), 1_297n * ETH / 100_000n);
});

Deno.test("the ceiling: above maxBid (or beyond what numeric(78,0) holds) a bid is malformed", () => {
  const huge = "9".repeat(61);
  const { decisions } = run(market(rules()), [
    [bid("@a", "bid 10000 ETH", T("14:01:00")), { linked: true, balanceWei: 10_000n * ETH }],
    [bid("@b", "bid 10000.000000000000000001", T("14:02:00"))],
    [bid("@c", `bid ${huge} ETH`, T("14:03:00"))],
    [bid("@d", `bid max ${huge}`, T("14:04:00")), { linked: false, balanceWei: 0n }],
  ]);
  assertEquals(decisions.map(reasonOf), ["accepted", "malformed", "malformed", "malformed"]);
  for (const d of decisions.slice(1)) {
    assertEquals(d.kind === "rejected" && [d.message, d.amountWei], [
      "a bid may be at most 10000 ETH",
      null,
    ]);
  }
});

Deno.test("bidders are X accounts: a handle that changed owner is another bidder", () => {
  const m = market(rules(), rules({ id: "genesis-2", item: "Genesis #2" }));
  const alice = (text: string, at: string, bidderId: string) => ({
    ...bid("@alice", text, at),
    bidderId,
  });
  // Account 1 leads genesis-1 with 3 ETH as @alice; the handle then belongs to account 2.
  const r = run(m, [
    [alice("bid 3 #genesis-1", T("14:01:00"), "1")],
    [alice("bid 3 #genesis-2", T("14:02:00"), "2"), { linked: true, balanceWei: 4n * ETH }],
  ]);
  assertEquals(r.decisions.map(reasonOf), ["accepted", "accepted"]);
  // Account 2's 4 ETH is not held by account 1's lead; account 1's lead is still theirs.
  const s1 = r.market.auctions["genesis-1"];
  assertEquals([leaderOf(s1)?.bidderId, leaderOf(r.market.auctions["genesis-2"])?.bidderId], [
    "1",
    "2",
  ]);
  // A second bid from account 1 elsewhere finds its own 3 ETH held.
  const again = decide(r.market, alice("bid 2 #genesis-2", T("14:03:00"), "1"), {
    linked: true,
    balanceWei: 4n * ETH,
  });
  assertEquals(reasonOf(again.decision), "below_increment");
  const held = decide(r.market, alice("bid 3.5 #genesis-2", T("14:03:00"), "1"), {
    linked: true,
    balanceWei: 4n * ETH,
  });
  assertEquals(
    held.decision.kind === "rejected" && held.decision.message,
    "escrow available is 1 ETH",
  );
});

Deno.test("an edit of a decided tweet is never a second bid", () => {
  const r = run(market(rules()), [[bid("@a", "bid 1", T("14:01:00"))]]);
  const edit = { ...bid("@a", "bid 5", T("14:02:00")), edits: r.decisions[0].tweetId };
  const d = decide(r.market, edit, rich).decision;
  assertEquals(reasonOf(d), "edited");
  assertEquals(
    d.kind === "rejected" && d.message,
    `this edits tweet ${edit.edits}, which was already decided: the original stands ` +
      "(an edit is never a second bid)",
  );
  assertEquals(leaderOf(decide(r.market, edit, rich).market.auctions["genesis-1"])?.amountWei, ETH);
});

Deno.test("what the grammar says is not a bid is malformed, whoever submits it", () => {
  const { decisions } = run(market(rules()), [
    [bid("@a", "I won't bid 5 ETH", T("14:01:00"))],
    [bid("@a", "RT @b: bid 3 ETH", T("14:01:01"))],
    [bid("@a", "would you take 2 ETH?", T("14:01:02"))],
  ]);
  assertEquals(decisions.map(reasonOf), ["malformed", "malformed", "malformed"]);
});

Deno.test("every rejection reason the rules decide", () => {
  const m = market(rules());
  const poor: Wallet = { linked: true, balanceWei: ETH };
  const unlinked: Wallet = { linked: false, balanceWei: 0n };
  const { decisions } = run(m, [
    [bid("@a", "bid 2,5", T("14:01:00"))], // malformed
    [bid("@a", "bid 2", "2026-03-08T13:59:59-04:00")], // not_open
    [bid("@a", "bid 2", T("16:00:00"))], // closed (tweet at the end)
    [bid("@b", "bid 2", T("14:02:00")), unlinked], // not_linked
    [bid("@c", "bid 2", T("14:03:00")), poor], // insufficient_funds
    [bid("@d", "bid 0.5", T("14:04:00"))], // below_reserve
    [bid("@d", "bid 1", T("14:05:00"))], // accepted
    [bid("@e", "bid 1", T("14:05:00"))], // equal amount, later: below_increment
  ]);
  assertEquals(decisions.map(reasonOf), [
    "malformed",
    "not_open",
    "closed",
    "not_linked",
    "insufficient_funds",
    "below_reserve",
    "accepted",
    "below_increment",
  ]);
  for (const d of decisions) {
    if (d.kind === "rejected") assert(d.message.length > 5, `a human reason for ${d.reason}`);
  }
});

Deno.test("paused auctions reject with paused; resume accepts again", () => {
  const t = I(T("14:10:00"));
  let m = market(rules());
  m = withAuction(m, applyAdmin(m.auctions["genesis-1"], { action: "pause" }, t));
  let r = decide(m, bid("@a", "bid 2", T("14:11:00")), rich);
  assertEquals(reasonOf(r.decision), "paused");
  m = withAuction(r.market, applyAdmin(r.market.auctions["genesis-1"], { action: "resume" }, t));
  r = decide(m, bid("@a", "bid 2", T("14:12:00")), rich);
  assertEquals(reasonOf(r.decision), "accepted");
});

Deno.test("rate limit: more than N bids per window by tweet time", () => {
  const steps: Array<[Bid]> = [];
  for (let i = 0; i < 6; i++) steps.push([bid("@spam", "bid 0.1", T(`14:10:0${i}`))]);
  steps.push([bid("@spam", "bid 0.1", T("14:11:10"))]);
  const { decisions } = run(market(rules()), steps);
  assertEquals(decisions.map(reasonOf), [
    ...Array(5).fill("below_reserve"),
    "rate_limited",
    "below_reserve",
  ]);
});

Deno.test("a bidder may raise their own bid; escrow must cover the new amount in full", () => {
  const w: Wallet = { linked: true, balanceWei: 2n * ETH };
  const { decisions } = run(market(rules()), [
    [bid("@a", "bid 1", T("14:01:00")), w],
    [bid("@a", "bid 2", T("14:02:00")), w],
    [bid("@a", "bid 2.5", T("14:03:00")), w],
  ]);
  assertEquals(decisions.map(reasonOf), ["accepted", "accepted", "insufficient_funds"]);
});

Deno.test("funds are shared: a leading bid elsewhere holds escrow", () => {
  const m = market(rules(), rules({ id: "genesis-2", item: "Genesis #2" }));
  const w: Wallet = { linked: true, balanceWei: 3n * ETH };
  const { decisions } = run(m, [
    [bid("@a", "bid 2 #genesis-1", T("14:01:00")), w],
    [bid("@a", "bid 1.5 #genesis-2", T("14:02:00")), w],
    [bid("@a", "bid 1 #genesis-2", T("14:03:00")), w],
    [bid("@a", "bid 1", T("14:04:00")), w], // two open: must be named
  ]);
  assertEquals(decisions.map(reasonOf), [
    "accepted",
    "insufficient_funds",
    "accepted",
    "malformed",
  ]);
});

Deno.test("anti-sniping extends from the tweet time, capped at maxEndsAt", () => {
  const { decisions, market: m } = run(market(rules()), [
    [bid("@a", "bid 1", T("15:54:00"))], // 6 min before end: no extension
    [bid("@b", "bid 2", T("15:58:00"))], // → 16:03
    [bid("@a", "bid 3", T("16:02:00"))], // → 16:07
    [bid("@b", "bid 4", T("16:06:00"))], // → 16:11, capped at 16:10
    [bid("@a", "bid 5", T("16:09:59"))], // stays 16:10 (no extension counted)
    [bid("@b", "bid 6", T("16:10:00"))], // closed
  ]);
  const ends = decisions.map((d) => d.kind === "accepted" ? d.endsAt.toString() : d.reason);
  assertEquals(ends, [
    I(T("16:00:00")).toString(),
    I(T("16:03:00")).toString(),
    I(T("16:07:00")).toString(),
    I(T("16:10:00")).toString(),
    I(T("16:10:00")).toString(),
    "closed",
  ]);
  assertEquals(m.auctions["genesis-1"].extensions, 3);
});

Deno.test("closing waits for the clock and the read-through watermark past end + grace", () => {
  const s = market(rules()).auctions["genesis-1"];
  assertEquals(mayClose(s, I(T("15:59:59")), I(T("16:05:00"))), false);
  assertEquals(mayClose(s, I(T("16:05:00")), I(T("16:00:59"))), false);
  assertEquals(mayClose(s, I(T("16:05:00")), null), false);
  assertEquals(mayClose(s, I(T("16:01:00")), I(T("16:01:00"))), true);
});

Deno.test("close: winner, runner-up (best other bidder), no winner below reserve", () => {
  const { market: m } = run(market(rules()), [
    [bid("@a", "bid 1", T("14:01:00"))],
    [bid("@b", "bid 2", T("14:02:00"))],
    [bid("@a", "bid 3", T("14:03:00"))],
    [bid("@a", "bid 4", T("14:04:00"))],
  ]);
  const c = close(m.auctions["genesis-1"], I(T("16:01:00")));
  assertEquals(c.winner?.handle, "@a");
  assertEquals(c.winner?.amountWei, 4n * ETH);
  assertEquals(c.runnerUp?.handle, "@b");
  assertEquals(c.runnerUp?.amountWei, 2n * ETH);
  const empty = close(market(rules()).auctions["genesis-1"], I(T("16:01:00")));
  assertEquals([empty.status, empty.winner, empty.runnerUp], ["closed", null, null]);
});

Deno.test("void of the leader recomputes the leader from the remaining bids", () => {
  const steps: Array<[Bid]> = [
    [bid("@a", "bid 1", T("14:01:00"))],
    [bid("@b", "bid 2", T("14:02:00"))],
  ];
  const { market: m } = run(market(rules()), steps);
  const s = applyAdmin(
    m.auctions["genesis-1"],
    { action: "void", tweetId: steps[1][0].tweetId },
    I(T("14:03:00")),
  );
  assertEquals(leaderOf(s)?.handle, "@a");
  assertEquals(minNextWei(s), 105n * ETH / 100n);
  assertThrows(
    () => applyAdmin(s, { action: "void", tweetId: "nope" }, I(T("14:03:00"))),
    /no accepted bid/,
  );
});

Deno.test("admin overrides check the auction's state", () => {
  const s = market(rules()).auctions["genesis-1"];
  const now = I(T("15:00:00"));
  const ext = applyAdmin(s, { action: "extend", seconds: 3600 }, now);
  assertEquals(ext.endsAt.toString(), I(T("17:00:00")).toString());
  assertEquals(ext.rules.maxEndsAt.toString(), I(T("17:00:00")).toString());
  const cancelled = applyAdmin(s, { action: "cancel" }, now);
  assertEquals(cancelled.status, "cancelled");
  assertThrows(() => applyAdmin(cancelled, { action: "pause" }, now), /cancelled/);
  assertThrows(() => applyAdmin(s, { action: "resume" }, now), /not paused/);
  const closed = applyAdmin(s, { action: "close" }, now);
  assertEquals(closed.closedAt?.toString(), now.toString());
  const moved = applyAdmin(s, {
    action: "reschedule",
    startsAt: I(T("18:00:00")),
    endsAt: I(T("19:00:00")),
    maxEndsAt: I(T("19:30:00")),
  }, now);
  assertEquals([moved.status, moved.endsAt.toString()], ["scheduled", I(T("19:00:00")).toString()]);
});

// ---- property tests -------------------------------------------------------

const HANDLES = ["@a", "@b", "@c", "@d"];
const arbBid = fc.record({
  handle: fc.constantFrom(...HANDLES),
  // Amounts around the reserve, in centi-ETH, sometimes malformed.
  cents: fc.integer({ min: 1, max: 600 }),
  second: fc.integer({ min: -60, max: 7400 }),
  auction: fc.constantFrom("", " #genesis-1", " #genesis-2"),
});
const arbBalances = fc.tuple(...HANDLES.map(() => fc.integer({ min: 0, max: 8 })));

function toBids(raw: Array<{ handle: string; cents: number; second: number; auction: string }>) {
  const start = I(T("14:00:00"));
  return raw.map((r, i): Bid => ({
    tweetId: String(5000 + i),
    handle: r.handle,
    text: `bid ${(r.cents / 100).toFixed(2)}${r.auction}`,
    tweetAt: start.add({ seconds: r.second }),
  }));
}

Deno.test("property: leader is the highest accepted bid; price never falls; funds cover bids", () => {
  fc.assert(
    fc.property(fc.array(arbBid, { maxLength: 60 }), arbBalances, (raw, balances) => {
      const wallets = Object.fromEntries(
        HANDLES.map((h, i) => [h, { linked: i !== 3, balanceWei: BigInt(balances[i]) * ETH }]),
      );
      let m = market(rules(), rules({ id: "genesis-2", item: "Genesis #2" }));
      const prices: Record<string, bigint> = {};
      for (const b of toBids(raw).sort((x, y) => Temporal.Instant.compare(x.tweetAt, y.tweetAt))) {
        const before = m;
        const r = decide(m, b, wallets[b.handle]);
        m = r.market;
        for (const [id, s] of Object.entries(m.auctions)) {
          const lead = leaderOf(s);
          const max = s.bids.reduce((x, y) => y.amountWei > x ? y.amountWei : x, 0n);
          assertEquals(lead?.amountWei ?? 0n, max, "leader is the highest accepted bid");
          const price = lead?.amountWei ?? 0n;
          assert(price >= (prices[id] ?? 0n), "price never falls");
          prices[id] = price;
        }
        if (r.decision.kind === "accepted") {
          const d = r.decision;
          let heldElsewhere = 0n;
          for (const s of Object.values(before.auctions)) {
            const lead = leaderOf(s);
            if (s.rules.id !== d.auctionId && lead?.handle === d.handle) {
              heldElsewhere += lead.amountWei;
            }
          }
          assert(
            d.amountWei! + heldElsewhere <= wallets[d.handle].balanceWei,
            "no accepted bid exceeds the bidder's funds",
          );
          assert(wallets[d.handle].linked, "only linked wallets win bids");
        }
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: tweets that arrive together give the same decisions in any order", () => {
  fc.assert(
    fc.property(
      fc.array(arbBid, { minLength: 1, maxLength: 30 }),
      arbBalances,
      fc.integer(),
      (raw, balances, seed) => {
        const wallets = Object.fromEntries(
          HANDLES.map((h, i) => [h, { linked: true, balanceWei: BigInt(balances[i]) * ETH }]),
        );
        const bids = toBids(raw);
        const shuffled = shuffle(bids, seed);
        const m = market(rules(), rules({ id: "genesis-2", item: "Genesis #2" }));
        const a = decideBatch(m, bids, (b) => wallets[b.handle]);
        const b = decideBatch(m, shuffled, (b) => wallets[b.handle]);
        assertEquals(b.decisions, a.decisions);
        assertEquals(b.market, a.market);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("property: a void lowers the price only to the best remaining bid", () => {
  fc.assert(
    fc.property(fc.array(arbBid, { maxLength: 40 }), fc.nat(), (raw, pick) => {
      let m = market(rules());
      for (const b of toBids(raw.map((r) => ({ ...r, auction: "" })))) {
        m = decide(m, b, rich).market;
      }
      const s = m.auctions["genesis-1"];
      if (!s.bids.length) return;
      const victim = s.bids[pick % s.bids.length];
      const after = applyAdmin(s, { action: "void", tweetId: victim.tweetId }, I(T("17:00:00")));
      const rest = s.bids.filter((b) => b !== victim);
      assertEquals(leaderOf(after)?.tweetId ?? null, rest.at(-1)?.tweetId ?? null);
    }),
    { numRuns: 200 },
  );
});

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
