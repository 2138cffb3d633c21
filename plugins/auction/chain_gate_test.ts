/**
 * What the auction does with the chain plugin when it is listed (a stand-in here):
 * the custody gate before opening and bids naming a deposit transaction; and what a
 * reversed deposit does to the leads it no longer covers (funds-book alone).
 */
import type { BusEvent } from "../../core/bus.ts";
import { type VirtualClock, virtualClock } from "../../core/clock.ts";
import { assert, assertEquals } from "../../core/testing.ts";
import { type AuctionEngine, auctionEngine, testStorage } from "./test_engine.ts";
import { fakeChain } from "./tests/fake_chain.ts";

const ETH = 10n ** 18n;
const I = (s: string) => Temporal.Instant.from(s);
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const auction = (id: string, item: string) => ({
  id,
  item,
  startsAt: T("14:00:00"),
  endsAt: T("16:00:00"),
  maxEndsAt: T("17:00:00"),
  reserve: "1 ETH",
});
const ALICE = "0x00000000000000000000000000000000000000a1";
const BOB = "0x00000000000000000000000000000000000000b0";
const HASH = (c: string) => `0x${c.repeat(64)}`;

const FAKE_CHAIN = {
  label: "chain",
  specifier: new URL("./tests/fake_chain.ts", import.meta.url).href,
  config: {},
};

/** A bid tweet as the x plugin hands it over, decided before this returns. */
async function submit(
  engine: AuctionEngine,
  clock: VirtualClock,
  id: string,
  handle: string,
  text: string,
  at: string,
) {
  engine.bus.emit("bid.submitted", {
    tweetId: id,
    handle,
    text,
    tweetAt: at,
    receivedAt: clock.instant().toString(),
  } as never);
  await engine.auctions.idle();
}

async function setup(opts: { chain: boolean; auctions?: unknown[]; watermark?: string }) {
  fakeChain.reset();
  const storage = testStorage();
  const clock = virtualClock(T("13:00:00"));
  const extra = opts.chain ? [FAKE_CHAIN] : [];
  const engine = await auctionEngine(
    storage,
    {
      auctions: opts.auctions ?? [auction("genesis-1", "Genesis #1")],
      watermark: opts.watermark ?? "tweets",
    },
    clock,
    extra,
  );
  const events: BusEvent[] = [];
  engine.bus.on("*", (e) => void events.push(e));
  await engine.book.link("@alice", ALICE);
  await engine.book.enter("@alice", "deposit", 5n * ETH);
  await engine.book.link("@bob", BOB);
  await engine.book.enter("@bob", "deposit", 5n * ETH);
  const tweet = (id: string, handle: string, text: string, at: string) =>
    submit(engine, clock, id, handle, text, at);
  const decisions = () =>
    events.filter((e) => e.type === "bid.accepted" || e.type === "bid.rejected").map((e) => {
      const p = e.payload as { tweetId: string; reason?: string; message?: string };
      return p.reason ? `${p.tweetId}:${p.reason}:${p.message}` : `${p.tweetId}:accepted`;
    });
  const ofType = (type: string) => events.filter((e) => e.type === type).map((e) => e.payload);
  const advanceTo = async (hhmmss: string) => {
    await clock.advanceTo(I(T(hhmmss)));
    await engine.auctions.idle();
  };
  return {
    engine,
    tweet,
    decisions,
    ofType,
    advanceTo,
    async stop() {
      await engine.stop();
      await storage.remove();
    },
  };
}

Deno.test("custody failing holds the auction scheduled, audited and shown; it opens once fixed", async () => {
  const t = await setup({ chain: true });
  try {
    fakeChain.custody = { ok: false, reason: "the escrow does not own token 1" };
    await t.advanceTo("14:00:00");
    const why = "custody: the escrow does not own token 1";
    assertEquals(t.engine.auctions.get("genesis-1")!.status, "scheduled");
    assertEquals(t.ofType("auction.opened"), []);
    assertEquals(t.ofType("auction.blocked"), [{ auctionId: "genesis-1", reason: why }]);
    assertEquals(t.engine.auctions.blocked(), { "genesis-1": why });
    const res = await t.engine.http.request("/auction/auctions/genesis-1");
    assertEquals((await res.json()).blocked, why);
    const audit = await t.engine.db.query<{ actor: string; action: string; reason: string }>(
      "select actor, action, reason from auction_audit order by id",
    );
    assertEquals(audit, [{ actor: "system", action: "blocked", reason: why }]);

    await t.tweet("2001", "@alice", "bid 2", T("14:00:10"));
    assertEquals(t.decisions(), [`2001:not_open:this auction has not opened: ${why}`]);

    // Re-checked every 30 s; the same reason is not announced or audited again.
    const calls = fakeChain.custodyCalls.length;
    await t.advanceTo("14:01:00");
    assertEquals(fakeChain.custodyCalls.length, calls + 2);
    assertEquals(t.ofType("auction.blocked").length, 1);

    // Paused and resumed while held back: still held, not opened behind the gate's back.
    const by = { actor: "admin", reason: "test" };
    await t.engine.auctions.admin("genesis-1", { action: "pause" }, by);
    const resumed = await t.engine.auctions.admin("genesis-1", { action: "resume" }, by);
    assertEquals(resumed.status, "scheduled");
    assertEquals(t.ofType("auction.opened"), []);

    fakeChain.custody = { ok: true };
    await t.advanceTo("14:01:30");
    const snap = t.engine.auctions.get("genesis-1")!;
    assertEquals(snap.status, "open");
    assertEquals(t.ofType("auction.opened").length, 1);
    assertEquals(t.engine.auctions.blocked(), {});
    assertEquals(
      (await (await t.engine.http.request("/auction/auctions")).json())[0].blocked,
      null,
    );
    await t.tweet("2002", "@alice", "bid 2", T("14:01:40"));
    assert(t.decisions().includes("2002:accepted"));
  } finally {
    await t.stop();
  }
});

Deno.test("an auction whose custody is never fixed closes unopened at its end", async () => {
  const t = await setup({ chain: true, watermark: "clock" });
  try {
    fakeChain.custody = { ok: false, reason: "not approved" };
    await t.advanceTo("16:30:00");
    const snap = t.engine.auctions.get("genesis-1")!;
    assertEquals([snap.status, snap.leader], ["closed", null]);
    assertEquals(t.ofType("auction.opened"), []);
    const calls = fakeChain.custodyCalls.length;
    await t.advanceTo("17:00:00");
    assertEquals(fakeChain.custodyCalls.length, calls, "no re-check after the end");
  } finally {
    await t.stop();
  }
});

Deno.test("a reversed deposit voids the leads the balance no longer covers, largest first", async () => {
  const t = await setup({
    chain: false,
    auctions: [auction("genesis-1", "Genesis #1"), auction("second-1", "Second #1")],
  });
  try {
    await t.advanceTo("14:10:00");
    await t.tweet("3001", "@bob", "bid 2 #genesis-1", T("14:05:00"));
    await t.tweet("3002", "@alice", "bid 2.5 #genesis-1", T("14:06:00"));
    await t.tweet("3003", "@alice", "bid 1.5 #second-1", T("14:07:00"));
    assertEquals(t.decisions(), ["3001:accepted", "3002:accepted", "3003:accepted"]);

    // Another wallet's reversal changes nothing.
    t.engine.bus.emit("deposit.reversed", { txHash: HASH("1"), address: BOB, amountWei: ETH });
    await t.engine.auctions.idle();
    assertEquals(t.engine.auctions.get("genesis-1")!.leader?.handle, "@alice");

    // Alice: 3 ETH left, 4 ETH held by her leads → the 2.5 lead goes, the 1.5 one stays.
    await t.engine.book.enter("@alice", "refund", 2n * ETH);
    t.engine.bus.emit("deposit.reversed", {
      txHash: HASH("2"),
      address: ALICE.toUpperCase().replace("0X", "0x"),
      amountWei: 2n * ETH,
    });
    await t.engine.auctions.idle();
    const genesis = t.engine.auctions.get("genesis-1")!;
    assertEquals([genesis.leader?.handle, genesis.priceWei], ["@bob", 2n * ETH]);
    assertEquals(t.engine.auctions.get("second-1")!.leader?.handle, "@alice");
    const audit = await t.engine.db.query<{ actor: string; action: string; reason: string }>(
      "select actor, action, reason, params from auction_audit order by id",
    );
    assertEquals(audit.map((a) => [a.actor, a.action, a.reason]), [
      ["system", "void", "deposit reversed"],
    ]);
    const [bid] = await t.engine.db.query<{ status: string }>(
      "select status from auction_bids where tweet_id = '3002'",
    );
    assertEquals(bid.status, "voided");
  } finally {
    await t.stop();
  }
});

Deno.test("a bid naming a deposit tx is refused when the chain says it does not cover it", async () => {
  const t = await setup({ chain: true });
  try {
    fakeChain.txs.set(HASH("b"), { ok: true });
    fakeChain.txs.set(HASH("c"), {
      ok: false,
      message: `sent from ${BOB}, not from @alice's wallet`,
    });
    await t.advanceTo("14:10:00");
    await t.tweet("4001", "@alice", `bid 2 ETH ${HASH("c")}`, T("14:05:00"));
    await t.tweet("4002", "@alice", `bid 2 ETH ${HASH("b")}`, T("14:06:00"));
    assertEquals(t.decisions(), [
      `4001:insufficient_funds:sent from ${BOB}, not from @alice's wallet`,
      "4002:accepted",
    ]);
    assertEquals(fakeChain.verifyCalls, [
      ["@alice", HASH("c"), 2n * ETH],
      ["@alice", HASH("b"), 2n * ETH],
    ]);
  } finally {
    await t.stop();
  }
});

Deno.test("without the chain plugin a bid's tx hash is ignored", async () => {
  const t = await setup({ chain: false });
  try {
    await t.advanceTo("14:10:00");
    await t.tweet("5001", "@alice", `bid 2 ETH ${HASH("d")}`, T("14:05:00"));
    assertEquals(t.decisions(), ["5001:accepted"]);
    assertEquals(fakeChain.verifyCalls, []);
  } finally {
    await t.stop();
  }
});

Deno.test("a closed auction not yet settled is announced again when the engine restarts", async () => {
  fakeChain.reset();
  const storage = testStorage();
  const clock = virtualClock(T("13:00:00"));
  const start = () =>
    auctionEngine(
      storage,
      { auctions: [auction("genesis-1", "Genesis #1")], watermark: "clock" },
      clock,
      [FAKE_CHAIN],
    );
  let engine = await start();
  try {
    await engine.book.link("@alice", ALICE);
    await engine.book.enter("@alice", "deposit", 5n * ETH);
    await clock.advanceTo(I(T("14:00:10")));
    await submit(engine, clock, "3001", "@alice", "bid 2", T("14:00:10"));
    await clock.advanceTo(I(T("16:05:00")));
    await engine.auctions.idle();
    assertEquals(engine.auctions.get("genesis-1")!.status, "closed");
    assertEquals(fakeChain.closed, ["genesis-1"]);

    // As if the first run died before its listeners wrote anything: they hear it again.
    await engine.stop();
    fakeChain.closed = [];
    engine = await start();
    assertEquals(fakeChain.closed, ["genesis-1"]);

    // Settled: nothing left to tell.
    engine.bus.emit("auction.settled", { auctionId: "genesis-1", winner: ALICE, txHash: null });
    await engine.auctions.idle();
    await engine.stop();
    fakeChain.closed = [];
    engine = await start();
    assertEquals(fakeChain.closed, []);
  } finally {
    await engine.stop();
    await storage.remove();
  }
});
