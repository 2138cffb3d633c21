/**
 * Maximum (proxy) bids: worked examples checked by hand, and fast-check
 * invariants against a reference implementation of eBay's proxy rule written
 * the other way round: at every rival bid, leader and price are recomputed
 * from all the bidders' maxima ("the highest maximum leads, earliest on a
 * tie, at one increment above the second-highest maximum, never above its
 * own"); a leader changing their own maximum changes no price. The engine
 * instead answers each bid from the bid log, step by step.
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../core/testing.ts";
import { minAfter, readable } from "./proxy.ts";
import {
  applyAdmin,
  type AuctionRules,
  type Bid,
  decide,
  type Decision,
  heldIn,
  leaderOf,
  type Market,
  newAuction,
  open,
  type Wallet,
} from "./rules.ts";

const ETH = 10n ** 18n;
const I = (s: string) => Temporal.Instant.from(s);
const T = (hhmmss: string) => I(`2026-03-08T${hhmmss}-04:00`);
const rules = (over: Partial<AuctionRules> = {}): AuctionRules => ({
  id: "lot-1",
  item: "Lot #1",
  campaignId: null,
  startsAt: T("14:00:00"),
  endsAt: T("16:00:00"),
  maxEndsAt: T("17:00:00"),
  reserveWei: ETH,
  minIncrementBps: 500,
  minIncrementWei: ETH / 100n,
  extensionWindowSeconds: 300,
  extensionSeconds: 300,
  ingestGraceSeconds: 60,
  ...over,
});
const marketOf = (r: AuctionRules): Market => ({
  auctions: { [r.id]: open(newAuction(r)) },
  rateLimit: { bids: 1000, perSeconds: 60 },
  maxBidWei: 10_000n * ETH,
  recent: {},
});
const rich: Wallet = { linked: true, balanceWei: 1000n * ETH };
let seq = 1;
const tweet = (handle: string, text: string, at: Temporal.Instant): Bid => ({
  tweetId: String(seq++),
  handle,
  text,
  tweetAt: at,
});

/** Decides tweets in order; returns the decisions and the log as "handle amount [proxy]". */
function play(m: Market, steps: Array<[string, string, string, Wallet?]>) {
  const decisions: Decision[] = [];
  for (const [handle, text, at, wallet] of steps) {
    const r = decide(m, tweet(handle, text, T(at)), wallet ?? rich);
    decisions.push(r.decision);
    m = r.market;
  }
  const s = m.auctions["lot-1"];
  const log = s.bids.map((b) =>
    `${b.handle} ${Number(b.amountWei) / 1e18}${b.proxy ? " proxy" : ""}`
  );
  return { decisions, log, market: m, state: s };
}
const reason = (d: Decision) => (d.kind === "accepted" ? "accepted" : d.reason);

Deno.test("a maximum places the lowest winning bid now and answers every rival bid", () => {
  const { log, decisions, state } = play(marketOf(rules()), [
    ["@a", "bid max 5 ETH", "14:01:00"], // a leads at the reserve, 1
    ["@b", "bid 2 ETH", "14:02:00"], // b bids 2; a's maximum answers 2.1
    ["@c", "bid max 4 ETH", "14:03:00"], // c's maximum is beaten: c at 4, a at 4.2
    ["@b", "bid 4.9 ETH", "14:04:00"], // a answers with all it has left: 5
    ["@b", "bid 5.25 ETH", "14:05:00"], // above a's maximum: b leads
  ]);
  assertEquals(decisions.map(reason), ["accepted", "accepted", "accepted", "accepted", "accepted"]);
  assertEquals(log, [
    "@a 1",
    "@b 2",
    "@a 2.1 proxy",
    "@c 4",
    "@a 4.2 proxy",
    "@b 4.9",
    "@a 5 proxy",
    "@b 5.25",
  ]);
  assertEquals(decisions.map((d) => d.kind === "accepted" && d.leads), [
    true,
    false,
    false,
    false,
    true,
  ]);
  assertEquals(leaderOf(state)?.handle, "@b");
});

Deno.test("a maximum beats a lower one by one readable increment, and goes through a higher one", () => {
  const { log } = play(marketOf(rules()), [
    ["@a", "bid max 3 ETH", "14:01:00"],
    ["@b", "bid max 10 ETH", "14:02:00"], // a goes to 3, then b at 3 × 1.05 = 3.15
    ["@c", "bid max 3.5 ETH", "14:03:00"], // c at 3.5, b answers 3.675
  ]);
  assertEquals(log, ["@a 1", "@a 3 proxy", "@b 3.15", "@c 3.5", "@b 3.675 proxy"]);
});

Deno.test("ties go to the earlier tweet: a bid equal to a maximum, and two equal maxima", () => {
  const later = play(marketOf(rules()), [
    ["@a", "bid max 3 ETH", "14:01:00"],
    ["@b", "bid 3 ETH", "14:02:00"],
  ]);
  assertEquals(later.log, ["@a 1", "@b 3", "@a 3 proxy"]);
  const maxima = play(marketOf(rules()), [
    ["@a", "bid max 3 ETH", "14:01:00"],
    ["@b", "bid max 3 ETH", "14:02:00"],
  ]);
  assertEquals(maxima.log, ["@a 1", "@b 3", "@a 3 proxy"]);
  // A tweet decided later but tweeted earlier wins the tie.
  const earlier = play(marketOf(rules()), [
    ["@a", "bid max 3 ETH", "14:05:00"],
    ["@b", "bid max 3 ETH", "14:04:00"],
  ]);
  assertEquals(earlier.log, ["@a 1", "@a 3 proxy", "@b 3"]);
});

Deno.test("escrow must cover the maximum, and the maximum stays held elsewhere", () => {
  const poor: Wallet = { linked: true, balanceWei: 4n * ETH };
  const { decisions, market } = play(marketOf(rules()), [
    ["@a", "bid max 5 ETH", "14:01:00", poor],
    ["@a", "bid max 4 ETH", "14:02:00", poor],
  ]);
  assertEquals(decisions.map(reason), ["insufficient_funds", "accepted"]);
  assertEquals(heldIn(market.auctions["lot-1"], "@a"), 4n * ETH);
});

Deno.test("automatic raises follow anti-sniping: a raise is a bid at the time of its cause", () => {
  const { decisions, state } = play(marketOf(rules()), [
    ["@a", "bid max 5 ETH", "14:01:00"],
    ["@b", "bid 2 ETH", "15:58:00"],
  ]);
  const d = decisions[1];
  assert(d.kind === "accepted");
  assertEquals(d.entries.map((e) => [e.proxy, e.tweetAt.toString()]), [
    [false, T("15:58:00").toString()],
    [true, T("15:58:00").toString()],
  ]);
  assertEquals(state.endsAt.toString(), T("16:03:00").toString());
  assertEquals(state.extensions, 1);
});

Deno.test("a leader lowers or cancels a maximum only above the current bid", () => {
  const { decisions, log, state } = play(marketOf(rules()), [
    ["@a", "bid max 5 ETH", "14:01:00"],
    ["@b", "bid 2 ETH", "14:02:00"], // a at 2.1
    ["@a", "bid max 2 ETH", "14:03:00"], // below a's current bid: refused
    ["@a", "bid max 3 ETH", "14:04:00"], // lowered
    ["@b", "cancel max", "14:05:00"], // b has no maximum
    ["@b", "bid 3.2 ETH", "14:06:00"], // above a's new maximum: b leads
    ["@a", "bid 3.36 ETH", "14:07:00"],
    ["@a", "cancel max", "14:08:00"], // a has no maximum left
  ]);
  assertEquals(decisions.map(reason), [
    "accepted",
    "accepted",
    "maximum_refused",
    "accepted",
    "maximum_refused",
    "accepted",
    "accepted",
    "maximum_refused",
  ]);
  assertEquals(log, ["@a 1", "@b 2", "@a 2.1 proxy", "@a 3 proxy", "@b 3.2", "@a 3.36"]);
  assertEquals(leaderOf(state)?.handle, "@a");
  const cancel = play(marketOf(rules()), [
    ["@a", "bid max 5 ETH", "14:01:00"],
    ["@a", "cancel max", "14:02:00"],
    ["@b", "bid 1.05 ETH", "14:03:00"],
  ]);
  assertEquals(cancel.log, ["@a 1", "@b 1.05"]);
  assertEquals(cancel.decisions.map((d) => d.kind === "accepted" && d.action), [
    "max",
    "cancel-max",
    "bid",
  ]);
});

Deno.test("a void of a maximum's tweet takes its bids and its maximum", () => {
  const { state } = play(marketOf(rules()), [
    ["@a", "bid max 5 ETH", "14:01:00"],
    ["@b", "bid 2 ETH", "14:02:00"],
  ]);
  const maxTweet = state.bids[0].tweetId;
  const after = applyAdmin(state, { action: "void", tweetId: maxTweet }, T("14:03:00"));
  assertEquals(after.bids.map((b) => b.handle), ["@b"]);
  assertEquals(after.maxima["@a"], undefined);
});

Deno.test("readable steps: never more than 4 significant digits, always rounded up", () => {
  assertEquals(readable(1_380_750_000_000_000_000n), 1_381_000_000_000_000_000n);
  assertEquals(readable(1_381_000_000_000_000_000n), 1_381_000_000_000_000_000n);
  assertEquals(readable(999n), 999n);
  assertEquals(readable(99_999n), 100_000n);
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), (wei) => {
      const r = readable(wei);
      assert(r >= wei && r.toString().replace(/0+$/, "").length <= 4);
      // The least such amount: one step lower is below `wei` (or has more digits).
      const step = 10n ** BigInt(Math.max(0, r.toString().length - 4));
      assert(r - step < wei || (r - step).toString().replace(/0+$/, "").length > 4);
    }),
  );
});

// ---- the reference: eBay's rule, recomputed from every bidder's maximum ---------------

interface RefBidder {
  max: bigint;
  /** Tweet order of the bid that set `max` (the tie-break). */
  setAt: [Temporal.Instant, number];
  /** Their highest plain bid: a plain bid is a bid of exactly that amount. */
  floor: bigint;
}

interface RefState {
  bidders: Map<string, RefBidder>;
  leader: string | null;
  price: bigint | null;
}

const before = (a: [Temporal.Instant, number], b: [Temporal.Instant, number]) =>
  Temporal.Instant.compare(a[0], b[0]) < 0 || (a[0].equals(b[0]) && a[1] < b[1]);

/** Leader and price from the maxima alone. */
function standing(r: AuctionRules, bidders: Map<string, RefBidder>): Omit<RefState, "bidders"> {
  let leader: string | null = null;
  for (const [id, b] of bidders) {
    const l = leader && bidders.get(leader)!;
    if (!l || b.max > l.max || (b.max === l.max && before(b.setAt, l.setAt))) leader = id;
  }
  if (!leader) return { leader: null, price: null };
  const top = bidders.get(leader)!;
  let second: bigint | null = null;
  for (const [id, b] of bidders) {
    if (id !== leader && (second === null || b.max > second)) second = b.max;
  }
  if (second === null) {
    return { leader, price: top.floor > r.reserveWei ? top.floor : r.reserveWei };
  }
  if (second === top.max) return { leader, price: top.max };
  const next = minAfter(r, second);
  const capped = next < top.max ? next : top.max;
  return { leader, price: top.floor > capped ? top.floor : capped };
}

/** One tweet through the reference: whether it is valid, and the state after it. */
function refStep(
  r: AuctionRules,
  s: RefState,
  b: {
    bidder: string;
    kind: "plain" | "max" | "cancel";
    value: bigint;
    at: [Temporal.Instant, number];
  },
): { ok: boolean; state: RefState } {
  const minNext = s.price === null ? r.reserveWei : minAfter(r, s.price);
  const leads = s.leader === b.bidder;
  const own = s.bidders.get(b.bidder);
  let next: RefBidder;
  if (b.kind === "cancel" || (b.kind === "max" && leads)) {
    // The leader's own maximum: no price changes, only what the next rival bid meets.
    if (b.kind === "cancel" ? !leads || own!.max <= s.price! : b.value <= s.price!) {
      return { ok: false, state: s };
    }
    const max = b.kind === "cancel" ? s.price! : b.value;
    return {
      ok: true,
      state: { ...s, bidders: new Map(s.bidders).set(b.bidder, { ...own!, max, setAt: b.at }) },
    };
  } else {
    if (b.value < minNext) return { ok: false, state: s };
    const max = own && own.max > b.value && b.kind === "plain" ? own.max : b.value;
    next = {
      max,
      setAt: own && max === own.max && b.kind === "plain" && leads ? own.setAt : b.at,
      floor: b.kind === "plain" ? b.value : own?.floor ?? 0n,
    };
  }
  const bidders = new Map(s.bidders).set(b.bidder, next);
  return { ok: true, state: { bidders, ...standing(r, bidders) } };
}

const arbRules = fc.record({
  reserveCents: fc.integer({ min: 1, max: 300 }),
  bps: fc.integer({ min: 0, max: 2000 }),
  minCents: fc.integer({ min: 1, max: 50 }),
});
const arbTweets = fc.array(
  fc.record({
    who: fc.integer({ min: 0, max: 3 }),
    kind: fc.constantFrom("plain", "max", "max", "cancel"),
    cents: fc.integer({ min: 50, max: 1500 }),
    // Mostly in order; sometimes a tweet decided late but tweeted earlier.
    second: fc.integer({ min: 0, max: 600 }),
  }),
  { maxLength: 40 },
);

Deno.test("property: the engine's proxy bidding equals eBay's rule, recomputed from the maxima", () => {
  fc.assert(
    fc.property(arbRules, arbTweets, (rr, tweets) => {
      const r = rules({
        reserveWei: BigInt(rr.reserveCents) * ETH / 100n,
        minIncrementBps: rr.bps,
        minIncrementWei: BigInt(rr.minCents) * ETH / 100n,
      });
      let m = marketOf(r);
      let ref: RefState = { bidders: new Map(), leader: null, price: null };
      tweets.forEach((t, i) => {
        const handle = `@b${t.who}`;
        const amount = `${Math.floor(t.cents / 100)}.${String(t.cents % 100).padStart(2, "0")}`;
        const text = t.kind === "cancel"
          ? "cancel max"
          : `bid ${t.kind === "max" ? "max " : ""}${amount} ETH`;
        const at = T("14:00:00").add({ seconds: t.second });
        const id = String(100_000 + i);
        const got = decide(m, { tweetId: id, handle, text, tweetAt: at }, rich);
        const want = refStep(r, ref, {
          bidder: handle.toLowerCase(),
          kind: t.kind as "plain" | "max" | "cancel",
          value: BigInt(t.cents) * ETH / 100n,
          at: [at, Number(id)],
        });
        assertEquals(got.decision.kind === "accepted", want.ok, `${text}: accepted?`);
        m = got.market;
        ref = want.state;
        const s = m.auctions["lot-1"];
        assertEquals(leaderOf(s)?.bidderId ?? null, ref.leader, `${text}: leader`);
        assertEquals(leaderOf(s)?.amountWei ?? null, ref.price, `${text}: price`);
        // The bid log rises; it stands still only on a tie inside one decision.
        s.bids.forEach((b, k) => assert(k === 0 || b.amountWei >= s.bids[k - 1].amountWei));
        const max = ref.leader ? ref.bidders.get(ref.leader)!.max : null;
        if (max !== null) assert(ref.price! <= max, "the price never passes the leader's maximum");
      });
    }),
    { numRuns: 400 },
  );
});

Deno.test("property: escrow always covers what a bidder holds: their lead and the maximum above it", () => {
  fc.assert(
    fc.property(
      arbTweets,
      fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 4, maxLength: 4 }),
      (tweets, balances) => {
        let m = marketOf(rules());
        tweets.forEach((t, i) => {
          const handle = `@b${t.who}`;
          const amount = (t.cents / 100).toFixed(2);
          const text = t.kind === "cancel"
            ? "cancel max"
            : `bid ${t.kind === "max" ? "max " : ""}${amount}`;
          const wallet = { linked: true, balanceWei: BigInt(balances[t.who]) * ETH };
          m = decide(m, {
            tweetId: String(200_000 + i),
            handle,
            text,
            tweetAt: T("14:00:00").add({ seconds: i }),
          }, wallet).market;
          for (let w = 0; w < 4; w++) {
            assert(
              heldIn(m.auctions["lot-1"], `@b${w}`) <= BigInt(balances[w]) * ETH,
              "held ≤ escrow",
            );
          }
        });
      },
    ),
    { numRuns: 300 },
  );
});
