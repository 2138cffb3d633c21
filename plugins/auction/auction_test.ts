import type { BusEvent } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { assert, assertEquals, assertRejects } from "../../core/testing.ts";
import { auctionEngine, testStorage } from "./test_engine.ts";

const ETH = 10n ** 18n;
const I = (s: string) => Temporal.Instant.from(s);
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const genesis = {
  id: "genesis-1",
  item: "Genesis #1",
  startsAt: T("14:00:00"),
  endsAt: T("16:00:00"),
  maxEndsAt: T("17:00:00"),
  reserve: "1 ETH",
};
const ADDR = "0x00000000000000000000000000000000000000a1";

async function setup(config: Record<string, unknown> = {}) {
  const storage = testStorage();
  const clock = virtualClock(T("13:00:00"));
  const engine = await auctionEngine(storage, { auctions: [genesis], ...config }, clock);
  const events: BusEvent[] = [];
  engine.bus.on("*", (e) => void events.push(e));
  await engine.book.link("@alice", ADDR);
  await engine.book.enter("@alice", "deposit", 5n * ETH);
  await engine.book.link("@Bob", ADDR);
  await engine.book.enter("@bob", "deposit", 5n * ETH);
  const tweet = (id: string, handle: string, text: string, at: string) =>
    engine.bus.emit("bid.submitted", {
      tweetId: id,
      handle,
      text,
      tweetAt: at,
      receivedAt: clock.instant().toString(),
    } as never);
  const decisions = () =>
    events.filter((e) => e.type === "bid.accepted" || e.type === "bid.rejected").map((e) => {
      const p = e.payload as { tweetId: string; reason?: string };
      return `${p.tweetId}:${p.reason ?? "accepted"}`;
    });
  return {
    storage,
    clock,
    engine,
    events,
    tweet,
    decisions,
    async stop() {
      await engine.stop();
      await storage.remove();
    },
  };
}

Deno.test("decides bids, writes each to Postgres, and a repeated tweet is a duplicate", async () => {
  const t = await setup();
  try {
    await t.clock.advanceTo(I(T("14:10:00")));
    t.tweet("1001", "@alice", "@SothebAIs bid 1.5 ETH", T("14:05:00"));
    t.tweet("1002", "@bob", "bid 1.5", T("14:06:00"));
    await t.engine.auctions.idle();
    t.tweet("1001", "@alice", "@SothebAIs bid 1.5 ETH", T("14:05:00"));
    await t.engine.auctions.idle();
    assertEquals(t.decisions(), ["1001:accepted", "1002:below_increment", "1001:duplicate"]);
    const rows = await t.engine.db.query<{ tweet_id: string; status: string; amount_wei: string }>(
      "select tweet_id, status, reason, amount_wei from auction_bids order by seq",
    );
    assertEquals(rows.map((r) => [r.tweet_id, r.status, r.amount_wei]), [
      ["1001", "accepted", "1500000000000000000"],
      ["1002", "rejected", "1500000000000000000"],
    ]);
    const snap = t.engine.auctions.get("genesis-1")!;
    assertEquals([snap.status, snap.priceWei, snap.leader?.handle], [
      "open",
      15n * ETH / 10n,
      "@alice",
    ]);
    const mirrored = JSON.parse((await t.engine.state.get("auction:genesis-1"))!);
    assertEquals(mirrored.priceWei, "1500000000000000000");
  } finally {
    await t.stop();
  }
});

Deno.test("tweets that arrive together are decided by tweet time, then id", async () => {
  const t = await setup();
  try {
    await t.clock.advanceTo(I(T("14:10:00")));
    // Seen in the wrong order; both 2 ETH: the earlier tweet must win.
    t.tweet("3003", "@bob", "bid 2", T("14:07:00"));
    t.tweet("3002", "@alice", "bid 2", T("14:06:00"));
    t.tweet("3001", "@bob", "bid 1", T("14:06:00"));
    await t.engine.auctions.idle();
    assertEquals(t.decisions(), ["3001:accepted", "3002:accepted", "3003:below_increment"]);
  } finally {
    await t.stop();
  }
});

Deno.test("closes only when the clock is past the end and read-through passes end + grace", async () => {
  const t = await setup();
  try {
    await t.clock.advanceTo(I(T("14:10:00")));
    t.tweet("1", "@alice", "bid 1", T("14:05:00"));
    await t.clock.advanceTo(I(T("16:30:00")));
    await t.engine.auctions.idle();
    assertEquals(t.engine.auctions.get("genesis-1")!.status, "open");
    t.engine.bus.emit("tweets.read-through", { until: T("16:00:59") } as never);
    await t.engine.auctions.idle();
    assertEquals(t.engine.auctions.get("genesis-1")!.status, "open");
    // A last-second bid seen late is still decided before the close.
    t.tweet("2", "@bob", "bid 2", T("15:59:59"));
    t.engine.bus.emit("tweets.read-through", { until: T("16:30:00") } as never);
    await t.engine.auctions.idle();
    assertEquals(t.decisions(), ["1:accepted", "2:accepted"]);
    // The late snipe extended the end to 16:04:59; the watermark is past it + grace.
    const closed = t.events.find((e) => e.type === "auction.closed")!;
    const p = closed.payload as { winner: { handle: string }; runnerUp: { handle: string } };
    assertEquals([p.winner.handle, p.runnerUp.handle], ["@bob", "@alice"]);
    assertEquals(t.engine.auctions.get("genesis-1")!.endsAt, T("16:04:59"));
  } finally {
    await t.stop();
  }
});

Deno.test('with watermark "clock" the auction closes at end + grace by the clock', async () => {
  const t = await setup({ watermark: "clock" });
  try {
    await t.clock.advanceTo(I(T("16:00:59")));
    await t.engine.auctions.idle();
    assertEquals(t.engine.auctions.get("genesis-1")!.status, "open");
    await t.clock.advanceTo(I(T("16:01:00")));
    await t.engine.auctions.idle();
    assertEquals(t.engine.auctions.get("genesis-1")!.status, "closed");
    const types = t.events.map((e) => e.type).filter((x) =>
      x.startsWith("auction.") && x !== "auction.updated"
    );
    assertEquals(types, ["auction.opened", "auction.closed"]);
  } finally {
    await t.stop();
  }
});

Deno.test("admin overrides are audited with who, when, why, before and after", async () => {
  const t = await setup();
  try {
    await t.clock.advanceTo(I(T("14:10:00")));
    t.tweet("1", "@alice", "bid 1", T("14:05:00"));
    t.tweet("2", "@bob", "bid 2", T("14:06:00"));
    await t.engine.auctions.idle();
    const by = { actor: "ops@sothebais", reason: "bob's tweet was a joke" };
    const after = await t.engine.auctions.admin(null, { action: "void", tweetId: "2" }, by);
    assertEquals([after.leader?.handle, after.priceWei], ["@alice", ETH]);
    await t.engine.auctions.admin("genesis-1", { action: "pause" }, { actor: "ops", reason: "x" });
    t.tweet("3", "@bob", "bid 3", T("14:11:00"));
    await t.engine.auctions.idle();
    assertEquals(t.decisions().at(-1), "3:paused");
    await assertRejects(
      () => t.engine.auctions.admin(null, { action: "pause" }, { actor: "ops", reason: "again" }),
      /paused/,
    );
    const audit = await t.engine.db.query<
      { actor: string; action: string; reason: string; at: Date; before: unknown; after: unknown }
    >("select actor, action, reason, at, before, after from auction_audit order by id");
    assertEquals(audit.map((a) => [a.actor, a.action, a.reason]), [
      ["ops@sothebais", "void", "bob's tweet was a joke"],
      ["ops", "pause", "x"],
    ]);
    const parse = (j: unknown) =>
      (typeof j === "string" ? JSON.parse(j) : j) as Record<string, unknown>;
    assertEquals(parse(audit[0].before).priceWei, "2000000000000000000");
    assertEquals(parse(audit[0].after).priceWei, "1000000000000000000");
    assertEquals(parse(audit[1].after).status, "paused");
    assertEquals(audit[0].at.toISOString(), "2026-03-08T18:10:00.000Z");
    const voided = await t.engine.db.query<{ status: string }>(
      "select status from auction_bids where tweet_id = '2'",
    );
    assertEquals(voided[0].status, "voided");
  } finally {
    await t.stop();
  }
});

Deno.test("previewAdmin shows an override's before and after and changes nothing; bids lists newest first with filters", async () => {
  const t = await setup();
  try {
    await t.clock.advanceTo(I(T("14:10:00")));
    t.tweet("1", "@alice", "bid 1", T("14:05:00"));
    t.tweet("2", "@bob", "bid 0.5", T("14:06:00"));
    t.tweet("3", "@Bob", "bid 2", T("14:07:00"));
    await t.engine.auctions.idle();
    const { before, after } = await t.engine.auctions.previewAdmin("genesis-1", {
      action: "extend",
      seconds: 600,
    });
    assertEquals([before.endsAt, after.endsAt], [T("16:00:00"), T("16:10:00")]);
    assertEquals(t.engine.auctions.get("genesis-1")?.endsAt, T("16:00:00"));
    const audit = await t.engine.db.query("select 1 from auction_audit");
    assertEquals(audit.length, 0);
    await assertRejects(
      () => t.engine.auctions.previewAdmin("genesis-1", { action: "resume" }),
      /not paused/,
    );
    const all = await t.engine.auctions.bids({ limit: 10 });
    assertEquals(all.map((b) => [b.tweetId, b.status, b.reason]), [
      ["3", "accepted", null],
      ["2", "rejected", "below_increment"],
      ["1", "accepted", null],
    ]);
    const bob = await t.engine.auctions.bids({ handle: "BOB", limit: 10 });
    assertEquals(bob.map((b) => b.tweetId), ["3", "2"]);
    const rejected = await t.engine.auctions.bids({ reason: "below_increment", limit: 10 });
    assertEquals(rejected.map((b) => [b.tweetId, b.amountWei]), [["2", ETH / 2n]]);
    const page = await t.engine.auctions.bids({ beforeSeq: all[0].seq, limit: 1 });
    assertEquals(page.map((b) => b.tweetId), ["2"]);
    // Hostile filter text is a parameter, never SQL.
    assertEquals(await t.engine.auctions.bids({ handle: "x' or '1'='1", limit: 10 }), []);
  } finally {
    await t.stop();
  }
});

Deno.test("a restart rebuilds leader, price, end and rate limits from Postgres", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("14:30:00"));
  let engine = await auctionEngine(storage, { auctions: [genesis] }, clock);
  try {
    await engine.book.link("@alice", ADDR);
    await engine.book.enter("@alice", "deposit", 5n * ETH);
    await engine.book.link("@bob", ADDR);
    await engine.book.enter("@bob", "deposit", 5n * ETH);
    const send = (id: string, h: string, text: string, at: string) =>
      engine.bus.emit("bid.submitted", { tweetId: id, handle: h, text, tweetAt: at } as never);
    send("1", "@alice", "bid 1", T("14:05:00"));
    send("2", "@bob", "bid 2", T("15:57:00")); // extends to 16:02
    await engine.auctions.idle();
    const before = engine.auctions.get("genesis-1")!;
    await engine.stop();
    engine = await auctionEngine(storage, { auctions: [genesis] }, clock);
    const after = engine.auctions.get("genesis-1")!;
    assertEquals(after, before);
    assertEquals([after.leader?.handle, after.priceWei, after.endsAt], [
      "@bob",
      2n * ETH,
      T("16:02:00"),
    ]);
    assertEquals(JSON.parse((await engine.state.get("auction:genesis-1"))!).endsAt, T("16:02:00"));
    const seen: string[] = [];
    engine.bus.on("bid.rejected", (e) => void seen.push(e.payload.reason));
    send("1", "@alice", "bid 1", T("14:05:00"));
    await engine.auctions.idle();
    assertEquals(seen, ["duplicate"]);
  } finally {
    await engine.stop();
    await storage.remove();
  }
});

Deno.test("funds are shared across two auctions and rebuilt balances are exact", async () => {
  const t = await setup({
    auctions: [genesis, { ...genesis, id: "genesis-2", item: "Genesis #2" }],
  });
  try {
    await t.clock.advanceTo(I(T("14:10:00")));
    t.tweet("1", "@alice", "bid 3 #genesis-1", T("14:05:00"));
    t.tweet("2", "@alice", "bid 2.5 #genesis-2", T("14:06:00"));
    t.tweet("3", "@alice", "bid 2 #genesis-2", T("14:07:00"));
    await t.engine.auctions.idle();
    assertEquals(t.decisions(), ["1:accepted", "2:insufficient_funds", "3:accepted"]);
    assert(t.engine.auctions.list().length === 2);
  } finally {
    await t.stop();
  }
});

Deno.test("decisions committed in groups are the same decisions", async () => {
  const run = async (commitGroup: number) => {
    const t = await setup({ commitGroup });
    try {
      await t.clock.advanceTo(I(T("14:30:00")));
      for (let i = 0; i < 40; i++) {
        const who = i % 2 ? "@alice" : "@bob";
        t.tweet(String(5000 + i), who, `bid ${1 + (i % 7) / 10}`, T(`14:${10 + (i % 13)}:00`));
      }
      t.tweet("5000", "@bob", "bid 9", T("14:29:00")); // a duplicate inside the batch
      await t.engine.auctions.idle();
      const rows = await t.engine.db.query<{ n: string }>("select count(*) as n from auction_bids");
      return {
        decisions: t.decisions(),
        rows: rows[0].n,
        snap: t.engine.auctions.get("genesis-1"),
      };
    } finally {
      await t.stop();
    }
  };
  const one = await run(1);
  const grouped = await run(16);
  assertEquals(grouped, one);
  assertEquals(one.rows, "40");
  assertEquals(one.decisions.filter((d) => d.endsWith("duplicate")).length, 1);
});

Deno.test("maximum bids survive a restart, and the public receipts never tell a running maximum", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("14:10:00"));
  let engine = await auctionEngine(storage, { auctions: [genesis] }, clock);
  const accepted: string[] = [];
  const listen = () =>
    engine.bus.on("bid.accepted", (e) => {
      const p = e.payload as { handle: string; amountWei: bigint; proxy: boolean };
      accepted.push(`${p.handle} ${p.amountWei / (ETH / 100n)}${p.proxy ? " proxy" : ""}`);
    });
  const bid = (id: string, handle: string, text: string, at: string) =>
    engine.bus.emit("bid.submitted", { tweetId: id, handle, text, tweetAt: T(at) } as never);
  try {
    listen();
    for (const h of ["@alice", "@bob"]) {
      await engine.book.link(h, ADDR.replace("a1", h === "@bob" ? "b2" : "a1"));
      await engine.book.enter(h, "deposit", 10n * ETH);
    }
    bid("1", "@alice", "@SothebAIs bid max 5 ETH", "14:01:00");
    bid("2", "@bob", "@SothebAIs bid 2 ETH", "14:02:00");
    await engine.auctions.idle();
    const receipts = async () =>
      await (await engine.http.request("/auctions/genesis-1/bids")).json();
    const running = await receipts();
    assert(!JSON.stringify(running).includes("5000000000000000000"), "the maximum is not told");
    assertEquals(
      running.bids.map((r: Record<string, unknown>) => [
        r.tweetId,
        r.amountText,
        r.decision,
        r.proxy,
        r.causedBy,
        r.link,
      ]),
      [
        ["1", null, "accepted", false, null, "https://x.com/i/status/1"],
        ["2", "2", "accepted", false, null, "https://x.com/i/status/2"],
        ["1", null, "accepted", true, "2", "https://x.com/i/status/1"],
      ],
    );

    await engine.stop();
    engine = await auctionEngine(storage, { auctions: [genesis] }, clock);
    listen();
    // Rebuilt from Postgres, alice's maximum still answers, and still ties to her earlier tweet.
    bid("3", "@bob", "@SothebAIs bid 3 ETH", "14:03:00");
    bid("4", "@bob", "@SothebAIs bid 5 ETH", "14:04:00");
    await engine.auctions.idle();
    assertEquals(accepted, [
      "@alice 100",
      "@bob 200",
      "@alice 210 proxy",
      "@bob 300",
      "@alice 315 proxy",
      "@bob 500",
      "@alice 500 proxy",
    ]);
    const a = engine.auctions.get("genesis-1")!;
    assertEquals([a.leader?.handle, a.priceWei, a.bidCount], ["@alice", 5n * ETH, 7]);
    // Once the auction has ended, the maximum as written is part of the record.
    await engine.auctions.admin("genesis-1", { action: "close" }, { actor: "t", reason: "test" });
    const ended = await receipts();
    assertEquals(ended.bids[0].amountText, "5");
    assertEquals((await engine.http.request("/auctions/nope/bids")).status, 404);
    assertEquals((await engine.http.request("/auctions/genesis-1/bids?after=-1")).status, 400);
    const page = await (await engine.http.request("/auctions/genesis-1/bids?limit=2")).json();
    const next = await (await engine.http.request(`/auctions/genesis-1/bids?after=${page.next}`))
      .json();
    assertEquals([page.bids.length, next.bids[0].seq > page.next], [2, true]);
  } finally {
    await engine.stop();
    await storage.remove();
  }
});

Deno.test("an unpaid win still holds its account's escrow after a restart", async () => {
  const storage = testStorage();
  const clock = virtualClock(T("14:10:00"));
  const second = {
    ...genesis,
    id: "genesis-2",
    item: "Genesis #2",
    endsAt: T("18:00:00"),
    maxEndsAt: T("19:00:00"),
  };
  const config = { auctions: [genesis, second] };
  let engine = await auctionEngine(storage, config, clock);
  const rejected: string[] = [];
  const bid = (id: string, text: string, at: string) =>
    engine.bus.emit("bid.submitted", {
      tweetId: id,
      authorId: "77",
      handle: "@alice",
      text,
      tweetAt: T(at),
    } as never);
  try {
    await engine.book.link("@alice", ADDR, "77");
    await engine.book.enter("@alice", "deposit", 3n * ETH);
    bid("1", "@SothebAIs bid 2 ETH #genesis-1", "14:05:00");
    await engine.auctions.idle();
    await engine.auctions.admin("genesis-1", { action: "close" }, { actor: "t", reason: "test" });
    await engine.stop();
    engine = await auctionEngine(storage, config, clock);
    engine.bus.on("bid.rejected", (e) => void rejected.push(e.payload.message));
    bid("2", "@SothebAIs bid 1.5 ETH #genesis-2", "14:20:00");
    await engine.auctions.idle();
    assertEquals(rejected, ["escrow available is 1 ETH"]);
  } finally {
    await engine.stop();
    await storage.remove();
  }
});

Deno.test("an id from outside that names Object's own (toString, constructor…) is no auction; an auction may be named so", async () => {
  const named = { ...genesis, id: "constructor", item: "Named constructor" };
  const t = await setup({ auctions: [genesis, named] });
  try {
    for (const id of ["toString", "hasOwnProperty", "valueOf", "__proto__", "isPrototypeOf"]) {
      assertEquals(t.engine.auctions.get(id), null, id);
      for (const path of [`/auctions/${id}/bids`, `/auction/auctions/${id}`]) {
        const res = await t.engine.http.request(path);
        assertEquals(res.status, 404, `${path}: ${await res.text()}`);
      }
      await assertRejects(
        () => t.engine.auctions.admin(id, { action: "pause" }, { actor: "ops", reason: "x" }),
        new RegExp(`no auction ${id}`),
      );
    }
    // `constructor` is a valid config id: created, shown and overridden like any other.
    assertEquals(t.engine.auctions.get("constructor")?.item, "Named constructor");
    const res = await t.engine.http.request("/auctions/constructor/bids");
    assertEquals(res.status, 200);
    assertEquals((await res.json()).auctionId, "constructor");
  } finally {
    await t.stop();
  }
});
