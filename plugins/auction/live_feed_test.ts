/**
 * The live feed's catch-up: a listener that comes back with its last id gets
 * what it missed (in order, once), or a snapshot when that is older than the
 * ring or no id of this feed; hostile ids get a snapshot, never an error; a
 * listener that does not read is dropped with a reason at its byte bound;
 * listeners are bounded, in all and per client address (a 429; closing frees a
 * slot; a flood of opens and closes leaves none taken). Then on a real engine (Postgres or PGlite, the
 * in-process HTTP): a phone cut off before three decisions, a changed maximum
 * and the close gets them all when it reconnects with `Last-Event-ID`; and a
 * maximum's amount is on no public route and not on the stream while the lot runs.
 */
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import { assert, assertEquals, eventually } from "../../core/testing.ts";
import { type LiveDecision, liveFeed } from "./live_feed.ts";
import type { AuctionSnapshot } from "./snapshot.ts";
import { auctionEngine, testStorage } from "./test_engine.ts";

interface Sse {
  id: string | null;
  event: string;
  data: unknown;
}

/** Reads SSE events off a response until `enough` says so or the stream ends (bounded). */
async function readEvents(
  res: Response,
  enough: (events: Sse[]) => boolean,
  ms = 5000,
): Promise<{ events: Sse[]; ended: boolean }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Sse[] = [];
  let buffer = "";
  let ended = false;
  const deadline = setTimeout(() => reader.cancel().catch(() => {}), ms);
  try {
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffer += value;
      let i;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const field = (name: string) =>
          block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ??
            null;
        const event = field("event");
        if (event) events.push({ id: field("id"), event, data: JSON.parse(field("data")!) });
      }
    }
  } finally {
    clearTimeout(deadline);
    if (!ended) await reader.cancel().catch(() => {});
  }
  return { events, ended };
}

const ETH = 10n ** 18n;
const snap = (status: AuctionSnapshot["status"], priceWei: bigint | null): AuctionSnapshot => ({
  auctionId: "lot-1",
  item: "Lot #1",
  status,
  startsAt: "2026-03-08T14:00:00-04:00",
  endsAt: "2026-03-08T16:00:00-04:00",
  maxEndsAt: "2026-03-08T17:00:00-04:00",
  reserveWei: ETH,
  priceWei,
  leader: priceWei === null ? null : { handle: "@alice", tweetId: "1", amountWei: priceWei },
  bidCount: priceWei === null ? 0 : 1,
  minNextWei: 2n * ETH,
  extensions: 0,
  extensionWindowSeconds: 120,
  extensionSeconds: 120,
  ingestGraceSeconds: 30,
});

function unitFeed(
  options: {
    ring?: number;
    queueBytes?: number;
    maxListeners?: number;
    maxPerAddress?: number;
    gate?: Promise<void>;
  } = {},
) {
  const bus = createBus(
    virtualClock("2026-03-08T14:00:00-04:00"),
    createLog("t", { level: "error" }),
  );
  let current = snap("open", null);
  let lastAsked = 0;
  const last: LiveDecision[] = [];
  const feed = liveFeed({
    bus,
    list: () => [current],
    shown: (list) => list,
    lastDecisions: async (ids) => {
      lastAsked++;
      const now = Object.fromEntries(ids.map((id) => [id, [...last].reverse()]));
      await options.gate; // a slow read of the bid log
      return now;
    },
    maxListeners: options.maxListeners ?? 10,
    maxPerAddress: options.maxPerAddress ?? 10,
    ring: options.ring,
    queueBytes: options.queueBytes,
  });
  const open = (headers: Record<string, string> = {}, query = "", address = "198.51.100.1") =>
    feed.handle(new Request(`http://engine/auction/live${query}`, { headers }), address);
  const decide = (tweetId: string, amount: bigint) => {
    bus.emit("bid.accepted", {
      auctionId: "lot-1",
      tweetId,
      entryId: tweetId,
      handle: "@alice",
      amountWei: amount,
      proxy: false,
      max: false,
      leads: true,
      causedBy: null,
      previousLeader: null,
      endsAt: "2026-03-08T16:00:00-04:00",
      at: "2026-03-08T14:05:00-04:00",
    });
    current = snap("open", amount);
    last.push({
      auctionId: "lot-1",
      tweetId,
      key: tweetId,
      link: "",
      handle: "@alice",
      amountWei: amount,
      amountText: null,
      decision: "accepted",
      reason: null,
      message: null,
      proxy: false,
      action: "bid",
      at: "",
    });
    bus.emit("auction.updated", current);
  };
  const close = () => {
    current = { ...current, status: "closed" };
    bus.emit("auction.updated", current);
  };
  return { feed, open, decide, close, lastAsked: () => lastAsked };
}

const helloId = async (res: Response) => {
  const { events } = await readEvents(res, (e) => e.length >= 1);
  assertEquals(events[0].event, "hello");
  assert(events[0].id, "a first connection's hello names where it starts");
  return events[0].id!;
};

Deno.test("a listener that comes back with its last id gets what it missed, in order", async () => {
  const u = unitFeed();
  try {
    const id = await helloId(u.open());
    u.decide("1", ETH);
    u.decide("2", 2n * ETH);
    u.close();
    // EventSource's own reconnection (the header), and a page's first one (`?since=`).
    for (const ask of [{ headers: { "last-event-id": id } }, { query: `?since=${id}` }]) {
      const res = u.open(ask.headers, ask.query);
      const { events } = await readEvents(res, (e) => e.length >= 6);
      assertEquals(events.map((e) => e.event), [
        "hello",
        "decision",
        "auction",
        "decision",
        "auction",
        "auction",
      ]);
      assertEquals(events[0].id, null, "a hello before a replay names no id");
      assertEquals(events.slice(1).map((e) => (e.data as { tweetId?: string }).tweetId), [
        "1",
        undefined,
        "2",
        undefined,
        undefined,
      ]);
      assertEquals((events.at(-1)!.data as AuctionSnapshot).status, "closed");
      const seqs = events.slice(1).map((e) => Number(e.id!.split(".")[1]));
      assertEquals(seqs, [1, 2, 3, 4, 5]);
    }
    // Up to date: nothing replayed, and the hello carries the id to come back with.
    const up = await readEvents(u.open({ "last-event-id": u.feed.lastId() }), (e) => e.length >= 1);
    assertEquals([up.events[0].event, up.events[0].id], ["hello", u.feed.lastId()]);
    assertEquals(u.feed.stats().snapshots, 0);
  } finally {
    u.feed.stop();
  }
});

Deno.test("an id older than the ring, of another feed, or hostile gets a snapshot, never an error", async () => {
  const u = unitFeed({ ring: 4 });
  try {
    const id = await helloId(u.open());
    for (let i = 1; i <= 5; i++) u.decide(String(i), BigInt(i) * ETH);
    u.close();
    const epoch = u.feed.lastId().split(".")[0];
    const asks = [
      id, // older than the ring (4 events kept of 11)
      "zz.3", // another process's id
      `${epoch}.999999`, // ahead of the feed
      `${epoch}.-1`,
      "-5",
      "1e309",
      "garbage\u00fe\u00ff<script>", // as a header: any byte a client may send
      "\u0000\u202e\ud800<script>", // as a query: any text (a lone surrogate as "?")
      `${epoch}.${"9".repeat(5000)}`,
      "x".repeat(100_000),
    ];
    for (const ask of asks) {
      for (
        const res of [
          // A header is bytes: text that cannot be one is asked by the query alone.
          ...(/^[\x20-\xff]*$/.test(ask) ? [u.open({ "last-event-id": ask })] : []),
          u.open({}, `?since=${encodeURIComponent(ask.replace(/[\ud800-\udfff]/g, "?"))}`),
        ]
      ) {
        assertEquals(res.status, 200, ask.slice(0, 40));
        const { events } = await readEvents(res, (e) => e.length >= 2);
        assertEquals(events.map((e) => e.event), ["hello", "snapshot"], ask.slice(0, 40));
        const s = events[1].data as {
          auctions: AuctionSnapshot[];
          last: Record<string, LiveDecision[]>;
        };
        assertEquals(events[1].id, u.feed.lastId(), "a snapshot is current up to its id");
        assertEquals(s.auctions.map((a) => [a.auctionId, a.status, a.priceWei]), [
          ["lot-1", "closed", String(5n * ETH)],
        ] as unknown);
        assertEquals(s.last["lot-1"].map((d) => d.tweetId), ["5", "4", "3", "2", "1"]);
      }
    }
    // Snapshots asked at the same point of the feed share one read of the last decisions.
    assertEquals(u.lastAsked(), 1);
    // An unknown or hostile `auction` is no error either.
    const odd = u.open({ "last-event-id": "zz.1" }, "?auction=%3Cscript%3E&auction=nope");
    assertEquals((await readEvents(odd, (e) => e.length >= 2)).events[1].event, "snapshot");
  } finally {
    u.feed.stop();
  }
});

Deno.test("what is told while a snapshot is read is sent after it, in order", async () => {
  let open!: () => void;
  const u = unitFeed({ gate: new Promise((r) => open = r) });
  try {
    u.decide("1", ETH);
    const res = u.open({ "last-event-id": "zz.1" });
    u.decide("2", 2n * ETH); // told while the snapshot's read of the log is under way
    open();
    const { events } = await readEvents(res, (e) => e.length >= 4);
    assertEquals(events.map((e) => e.event), ["hello", "snapshot", "decision", "auction"]);
    const s = events[1].data as { last: Record<string, LiveDecision[]> };
    assertEquals(s.last["lot-1"].map((d) => d.tweetId), ["1"]);
    assertEquals((events[2].data as LiveDecision).tweetId, "2");
    assertEquals(Number(events[1].id!.split(".")[1]) + 1, Number(events[2].id!.split(".")[1]));
  } finally {
    u.feed.stop();
  }
});

Deno.test("a listener that does not read is dropped with a reason, and catches up after", async () => {
  const u = unitFeed({ queueBytes: 8 * 1024 });
  try {
    const res = u.open(); // never read while the decisions are told
    for (let i = 1; i <= 200; i++) u.decide(String(i), BigInt(i) * ETH);
    await eventually(() => u.feed.listeners() === 0, "the one that did not read to be gone");
    assertEquals(u.feed.stats().dropped, 1);
    const { events, ended } = await readEvents(res, () => false);
    assert(ended, "its stream ended");
    assertEquals(events.at(-1)!.event, "dropped");
    assert(/too slow/.test((events.at(-1)!.data as { reason: string }).reason));
    // What it had queued stays within its bound: far fewer than the 400 events told.
    assert(events.length < 40, `${events.length} events queued for a reader that never read`);
    // It comes back from its last id: older than half its queue allows, so a snapshot.
    const lastSeen = [...events].reverse().find((e) => e.id)!.id!;
    const back = await readEvents(u.open({ "last-event-id": lastSeen }), (e) => e.length >= 2);
    assertEquals(back.events[1].event, "snapshot");
    const s = back.events[1].data as { auctions: AuctionSnapshot[] };
    assertEquals(s.auctions[0].priceWei, String(200n * ETH) as unknown);
  } finally {
    u.feed.stop();
  }
});

Deno.test("listeners are bounded: one more is told to come back", async () => {
  const u = unitFeed({ maxListeners: 2 });
  try {
    const a = u.open();
    const b = u.open();
    const refused = u.open();
    assertEquals([refused.status, refused.headers.get("retry-after")], [503, "60"]);
    await refused.body?.cancel();
    await a.body!.cancel();
    await eventually(() => u.feed.listeners() === 1, "a cancelled listener to go");
    assertEquals(u.open().status, 200);
    await b.body!.cancel();
  } finally {
    u.feed.stop();
  }
});

Deno.test("one address is bounded on its own: one more from it is a 429, closing frees its slot, others go on", async () => {
  const u = unitFeed({ maxListeners: 100, maxPerAddress: 3 });
  const A = "198.51.100.1", B = "2001:db8::7";
  try {
    const mine = [u.open({}, "", A), u.open({}, "", A), u.open({}, "", A)];
    assertEquals(mine.map((r) => r.status), [200, 200, 200]);
    const refused = u.open({}, "", A);
    assertEquals([refused.status, refused.headers.get("retry-after")], [429, "10"]);
    assert(/too many live connections from your address \(at most 3\)/.test(await refused.text()));
    assertEquals([u.feed.listenersFrom(A), u.feed.stats().refusedAddress], [3, 1]);
    // Another address is not touched by the first one's flood.
    const other = u.open({}, "", B);
    assertEquals(other.status, 200);
    // Closing one frees its slot: the next from A gets in, and the one after is refused again.
    await mine[0].body!.cancel();
    await eventually(() => u.feed.listenersFrom(A) === 2, "the closed one's slot to be free");
    const next = u.open({}, "", A);
    assertEquals(next.status, 200);
    const again = u.open({}, "", A);
    assertEquals(again.status, 429);
    await again.body?.cancel();
    // A listener dropped for not reading frees its slot too.
    for (let i = 1; i <= 200; i++) u.decide(String(i), BigInt(i) * ETH);
    await eventually(() => u.feed.listeners() === 0, "the listeners that did not read to go");
    assertEquals([u.feed.listenersFrom(A), u.feed.listenersFrom(B), u.feed.addresses()], [0, 0, 0]);
    for (const r of [...mine.slice(1), next, other]) await r.body!.cancel();
    assertEquals(u.open({}, "", A).status, 200);
  } finally {
    u.feed.stop();
  }
  assertEquals([u.feed.listeners(), u.feed.addresses()], [0, 0], "stop frees every slot");
});

Deno.test("a flood of opens and closes from many addresses leaves no slot taken", async () => {
  const u = unitFeed({ maxListeners: 50, maxPerAddress: 4 });
  try {
    let accepted = 0, refused = 0;
    const open: Response[] = [];
    for (let i = 0; i < 2000; i++) {
      const r = u.open({}, "", `203.0.113.${i % 7}`);
      if (r.status === 200) accepted++, open.push(r);
      else refused++, await r.body?.cancel();
      // Some close at once, some after reading their hello, some are left open a while.
      if (i % 3 === 0 && open.length) await open.shift()!.body!.cancel();
      if (i % 5 === 0 && open.length) await readEvents(open.shift()!, (e) => e.length >= 1);
      if (i % 50 === 0) u.decide(String(i + 1), BigInt(i + 1) * ETH);
      assert(u.feed.listeners() <= 28, `${u.feed.listeners()} listeners: 7 addresses × 4 at most`);
    }
    assert(accepted > 0 && refused > 0, `${accepted} accepted, ${refused} refused`);
    for (const r of open.splice(0)) await r.body!.cancel();
    await eventually(
      () => u.feed.listeners() === 0 && u.feed.addresses() === 0,
      "every slot to be free",
    );
    assertEquals(u.open({}, "", "203.0.113.0").status, 200);
  } finally {
    u.feed.stop();
  }
});

const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const MAX = "7.77"; // bob's maximum, never told while the lot runs
const MAX_WEI = String(777n * ETH / 100n);

async function liveEngine() {
  const storage = testStorage();
  const clock = virtualClock(T("14:10:00"));
  const engine = await auctionEngine(storage, {
    auctions: [{
      id: "genesis-1",
      item: "Genesis #1",
      startsAt: T("14:00:00"),
      endsAt: T("16:00:00"),
      maxEndsAt: T("17:00:00"),
      reserve: "1 ETH",
    }],
  }, clock);
  for (const [i, h] of ["@alice", "@bob"].entries()) {
    await engine.book.link(h, `0x00000000000000000000000000000000000000b${i}`);
    await engine.book.enter(h, "deposit", 20n * ETH);
  }
  const tweet = async (tweetId: string, handle: string, text: string, at: string) => {
    engine.bus.emit("bid.submitted", { tweetId, handle, text, tweetAt: T(at) });
    await engine.auctions.idle();
  };
  const live = (headers: Record<string, string> = {}, query = "") =>
    engine.http.request(`/auction/live${query}`, { headers });
  return {
    engine,
    tweet,
    live,
    async stop() {
      await engine.stop();
      await storage.remove();
    },
  };
}

Deno.test("a phone cut off before three decisions, a changed maximum and the close gets them all on reconnecting", async () => {
  const t = await liveEngine();
  try {
    const first = await t.live();
    const id = await helloId(first);
    // Cut off (its reader cancelled); the lot goes on without it.
    await t.tweet("1", "@alice", "@SothebAIs bid 1.5 ETH", "14:05:00");
    await t.tweet("2", "@bob", "@SothebAIs bid 1.5 ETH", "14:06:00"); // below the increment
    await t.tweet("3", "@bob", "@SothebAIs bid 2 ETH", "14:07:00");
    await t.tweet("4", "@bob", `@SothebAIs bid max ${MAX} ETH`, "14:08:00"); // the leader's max
    await t.engine.auctions.admin("genesis-1", { action: "close" }, {
      actor: "t",
      reason: "test",
    });
    const back = await t.live({ "last-event-id": id });
    const closed = (e: Sse[]) =>
      e.some((x) => x.event === "auction" && (x.data as AuctionSnapshot).status === "closed");
    const { events } = await readEvents(back, closed);
    assertEquals(events.filter((e) => e.event === "snapshot").length, 0, "replayed, not reset");
    const decisions = events.filter((e) => e.event === "decision").map((e) =>
      e.data as LiveDecision
    );
    assertEquals(decisions.map((d) => [d.tweetId, d.decision, d.reason, d.action]), [
      ["1", "accepted", null, "bid"],
      ["2", "rejected", "below_increment", null],
      ["3", "accepted", null, "bid"],
      ["4", "accepted", null, "max"],
    ]);
    assertEquals(decisions[3].amountWei, null, "a changed maximum is told without its amount");
    const lastFigures = events.filter((e) => e.event === "auction").at(-1)!
      .data as AuctionSnapshot;
    assertEquals([lastFigures.status, lastFigures.priceWei, lastFigures.leader?.handle], [
      "closed",
      String(2n * ETH),
      "@bob",
    ] as unknown[]);
    // A phone whose id is of no use (another engine's, say) is set right by a snapshot.
    const reset = await readEvents(
      await t.live({ "last-event-id": "zz.9" }, "?auction=genesis-1"),
      (e) => e.length >= 2,
    );
    const s = reset.events[1].data as {
      auctions: AuctionSnapshot[];
      last: Record<string, LiveDecision[]>;
    };
    assertEquals(s.auctions.find((a) => a.auctionId === "genesis-1")?.status, "closed");
    assertEquals(s.last["genesis-1"].map((d) => d.tweetId), ["4", "3", "2", "1"]);
  } finally {
    await t.stop();
  }
});

Deno.test("a maximum's amount is on no public route and not on the live stream while the lot runs", async () => {
  const t = await liveEngine();
  try {
    const watching = await t.live();
    await t.tweet("1", "@alice", "@SothebAIs bid 1.5 ETH", "14:05:00");
    await t.tweet("2", "@bob", `@SothebAIs bid max ${MAX} ETH`, "14:06:00"); // places a bid
    await t.tweet("3", "@bob", "@SothebAIs bid max 9.99 ETH", "14:07:00"); // the leader's, raised
    await t.tweet("4", "@alice", "@SothebAIs bid 3 ETH", "14:08:00"); // answered from the max
    const told = await readEvents(
      watching,
      (e) => e.filter((x) => x.event === "decision").length >= 5,
    );
    const secret = (text: string) =>
      [MAX, MAX_WEI, "9.99", String(999n * ETH / 100n)].filter((s) => text.includes(s));
    const stream = told.events.map((e) => JSON.stringify(e)).join("\n");
    assertEquals(secret(stream), [], "the stream");
    // Its public consequence is told: bob's raise answering alice, and the changed maximum.
    const decisions = told.events.filter((e) => e.event === "decision").map((e) =>
      e.data as LiveDecision
    );
    assertEquals(decisions.map((d) => [d.tweetId, d.proxy, d.action, d.amountWei]), [
      ["1", false, "bid", String(15n * ETH / 10n)],
      ["2", false, "max", String(1575n * ETH / 1000n)], // the least next bid, placed now
      ["3", false, "max", null],
      ["4", false, "bid", String(3n * ETH)],
      ["3", true, null, String(315n * ETH / 100n)], // the next step over alice, named by bob's tweet
    ] as unknown[]);
    const routes = [
      "/",
      "/auctions/genesis-1",
      "/auctions/genesis-1/bids",
      "/auction/auctions",
      "/auction/auctions/genesis-1",
      "/bidders/bob",
    ];
    for (const path of routes) {
      const res = await t.engine.http.request(path);
      assertEquals(secret(await res.text()), [], path);
    }
    const home = await (await t.engine.http.request("/")).text();
    assert(home.includes("accepted: maximum changed"), "the page says a maximum changed");
    const snapshot = await readEvents(
      await t.live({ "last-event-id": "zz.1" }),
      (e) => e.length >= 2,
    );
    assertEquals(secret(JSON.stringify(snapshot.events)), [], "a snapshot");
    const replay = await readEvents(
      await t.live({}, `?since=${(await helloId(await t.live())).replace(/\d+$/, "0")}`),
      (e) => e.filter((x) => x.event === "decision").length >= 5,
    );
    assertEquals(secret(JSON.stringify(replay.events)), [], "a replay");
  } finally {
    await t.stop();
  }
});
