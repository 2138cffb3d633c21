/**
 * A tweet binds money only when its author meant to bid — end to end through the
 * fake X server, the x plugin, the auction and funds-book on a virtual clock:
 * what only looks like a bid (a negation, a retweet, a quote, a question) is
 * answered and never decided; an edit of a decided tweet is not a second bid; a
 * link belongs to an X account, not to the handle; a maximum is never told; the
 * sweep before the hammer catches a mention the timeline dropped.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { helpReply, howToBid } from "../help.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const ETH = 10n ** 18n;
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const I = (s: string) => Temporal.Instant.from(s);

async function show(x: Record<string, unknown> = {}, auction: Record<string, unknown> = {}) {
  const clock = virtualClock(T("13:59:00"));
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  const engine = await startXEngine(storage, {
    "funds-book": {},
    auction: {
      auctions: [{
        id: "genesis-1",
        item: "Genesis #1",
        startsAt: T("14:00:00"),
        endsAt: T("14:30:00"),
        reserve: "1 ETH",
        ingestGraceSeconds: 30,
        ...auction,
      }],
    },
    x: {
      baseUrl: served.url,
      tier: "pro",
      stream: false,
      backfill: true,
      publicUrl: "https://show.example",
      // These tests read every answer to one person: no per-handle share in the way.
      perHandle: { posts: 100, windowSeconds: 3600 },
      ...x,
    },
  }, clock);
  const book = engine.service<FundsBook>("funds-book");
  const auctions = engine.service<Auctions>("auctions");
  for (const [handle, deposit] of [["@alice", 5n], ["@bob", 5n], ["@carol", 5n]] as const) {
    const address = `0x${handle.charCodeAt(1).toString(16).padStart(40, "0")}`;
    await book.link(handle, address, served.fake.user(handle).id);
    await book.enter(handle, "deposit", deposit * ETH);
  }
  const settle = async (ms: number) => {
    const end = clock.instant().add({ milliseconds: ms });
    while (Temporal.Instant.compare(clock.instant(), end) < 0) {
      await clock.advance(1_000);
      await engine.x.idle();
      await auctions.idle();
      await engine.x.idle();
    }
  };
  const tweet = (author: string, text: string, more: Record<string, unknown> = {}) =>
    served.fake.inject({ author, text, ...more }).id;
  const repliesTo = (id: string) =>
    served.fake.posts().filter((p) => p.referenced_tweets?.[0]?.id === id).map((p) => p.text);
  const submitted: string[] = [];
  engine.bus.on("bid.submitted", (e) => void submitted.push(e.payload.tweetId));
  return {
    clock,
    served,
    engine,
    auctions,
    book,
    settle,
    tweet,
    repliesTo,
    submitted,
    async stop() {
      await engine.stop();
      await served.stop();
      await storage.remove();
    },
  };
}

Deno.test("what only looks like a bid is answered with how to bid, and never decided", async () => {
  const s = await show();
  try {
    await s.clock.advanceTo(I(T("14:00:10")));
    const first = s.tweet("@bob", "@SothebAIs bid 1 ETH");
    await s.settle(10_000);
    const ids = {
      hedged: s.tweet("@alice", "@SothebAIs I won't bid 4 ETH"),
      offer: s.tweet("@alice", "@SothebAIs would you take 2 ETH"),
      rt: s.tweet("@alice", "RT @bob: @SothebAIs bid 3 ETH"),
      quote: s.tweet("@alice", "@SothebAIs bid 3 ETH", { quotes: { type: "quoted", id: first } }),
      retweet: s.tweet("@alice", "@SothebAIs bid 3 ETH", {
        quotes: { type: "retweeted", id: first },
      }),
      question: s.tweet("@alice", "@SothebAIs is 2 ETH enough to win?"),
    };
    const questions: string[] = [];
    s.engine.bus.on("host.question", (e) => void questions.push(e.payload.tweetId));
    // Replies go out at the pace the posting budget allows.
    await s.settle(90_000);
    deepStrictEqual(s.submitted, [first]);
    deepStrictEqual(questions, [ids.question]);
    deepStrictEqual(s.auctions.get("genesis-1")?.leader?.handle, "@bob");
    for (const id of [ids.hedged, ids.offer, ids.rt, ids.quote, ids.retweet]) {
      const [reply] = s.repliesTo(id);
      // Equal texts get a new wording so X does not refuse them as duplicates.
      ok(reply?.includes("To bid, tweet: @SothebAIs bid 2.5 ETH (your amount, in ETH)"), reply);
    }
    ok(s.repliesTo(ids.quote)[0].startsWith("@alice a retweet or a quote is never a bid."));
    ok(s.repliesTo(ids.hedged)[0].includes("a negation or a hypothetical"));
  } finally {
    await s.stop();
  }
});

Deno.test("an edit of a decided tweet is not a second bid: the reply says the original stands", async () => {
  const s = await show();
  try {
    await s.clock.advanceTo(I(T("14:00:10")));
    const original = s.tweet("@alice", "@SothebAIs bid 1.5 ETH");
    await s.settle(10_000);
    const edit = s.tweet("@alice", "@SothebAIs bid 4 ETH", { editOf: original });
    await s.settle(10_000);
    const a = s.auctions.get("genesis-1")!;
    deepStrictEqual([a.leader?.tweetId, a.priceWei], [original, 3n * ETH / 2n]);
    const [reply] = s.repliesTo(edit);
    ok(
      reply?.startsWith(
        `@alice bid not accepted: this edits tweet ${original}, which was already decided: ` +
          "the original stands",
      ),
      reply,
    );
    ok(reply.includes("To bid again, tweet a new bid."), reply);
    const receipts = await (await s.engine.http.request("/auctions/genesis-1/bids")).json();
    deepStrictEqual(
      receipts.bids.map((r: { tweetId: string; decision: string; reason: string | null }) =>
        `${r.tweetId}:${r.decision}:${r.reason}`
      ),
      [`${original}:accepted:null`, `${edit}:rejected:edited`],
    );
  } finally {
    await s.stop();
  }
});

Deno.test("funds belong to the X account: a new owner of a handle finds no wallet", async () => {
  const s = await show();
  try {
    // @dave's wallet was linked by account 4242; the account tweeting as @dave now is another.
    await s.book.link("@dave", `0x${"d".repeat(40)}`, "4242");
    await s.book.enter("@dave", "deposit", 5n * ETH);
    await s.clock.advanceTo(I(T("14:00:10")));
    const bid = s.tweet("@dave", "@SothebAIs bid 2 ETH");
    await s.settle(10_000);
    deepStrictEqual(s.auctions.get("genesis-1")?.leader, null);
    const [reply] = s.repliesTo(bid);
    // The refusal names the fix: the link page, for this account.
    ok(
      reply?.includes(
        `To link: sign on https://show.example/link?handle=@dave&user=${
          s.served.fake.user("@dave").id
        } then tweet link <code>.`,
      ),
      reply,
    );
  } finally {
    await s.stop();
  }
});

Deno.test("a maximum bid is raised for its bidder and never told on X", async () => {
  const s = await show();
  try {
    await s.clock.advanceTo(I(T("14:00:10")));
    const max = s.tweet("@alice", "@SothebAIs bid max 3.7 ETH");
    await s.settle(10_000);
    const rival = s.tweet("@bob", "@SothebAIs bid 2 ETH");
    await s.settle(10_000);
    const a = s.auctions.get("genesis-1")!;
    deepStrictEqual([a.leader?.handle, a.priceWei], ["@alice", 21n * ETH / 10n]);
    const posts = s.served.fake.posts().map((p) => p.text);
    ok(!posts.some((t) => t.includes("3.7")), posts.join("\n"));
    ok(s.repliesTo(max).some((t) => t.startsWith("@alice your maximum bid on Genesis #1 is in")));
    ok(posts.some((t) => t.startsWith("@bob you've been outbid on Genesis #1: a maximum bid")));
    deepStrictEqual(s.repliesTo(rival).filter((t) => t.includes("you lead")), []);
  } finally {
    await s.stop();
  }
});

Deno.test("help: the reply and the ticker's lines say the grammar, with the link page from config", async () => {
  const s = await show({ linkUrl: "https://link.example/sign" });
  try {
    const published: unknown[] = [];
    s.engine.bus.on("help.published", (e) => void published.push(e.payload));
    s.engine.bus.emit("engine.started", { plugins: [], url: null });
    const facts = { hostHandle: "@SothebAIs", linkUrl: "https://link.example/sign" };
    deepStrictEqual(published, [{ lines: howToBid(facts), ...facts }]);
    const help = s.tweet("@carol", "@SothebAIs help");
    await s.settle(10_000);
    deepStrictEqual(s.repliesTo(help), [`@carol ${helpReply(facts)}`]);
    ok(helpReply(facts).includes("https://link.example/sign"));
  } finally {
    await s.stop();
  }
});

Deno.test("the sweep before the hammer decides a mention the timeline dropped", async (t) => {
  for (const sweepMinutes of [10, 0]) {
    await t.step(`sweepMinutes ${sweepMinutes}`, async () => {
      // The sweep alone: recent search as a second read source would find the tweet itself.
      const s = await show({ sweepMinutes, search: false }, { extensionWindowSeconds: 0 });
      try {
        await s.clock.advanceTo(I(T("14:00:10")));
        s.tweet("@alice", "@SothebAIs bid 1 ETH");
        await s.clock.advanceTo(I(T("14:29:40")));
        const dropped = s.tweet("@bob", "@SothebAIs bid 2 ETH", { missingFromMentions: true });
        await s.settle(75_000);
        const a = s.auctions.get("genesis-1")!;
        deepStrictEqual(a.status, "closed");
        const searches = s.served.fake.stats().requests["GET /2/tweets/search/recent"] ?? 0;
        if (sweepMinutes) {
          deepStrictEqual([a.leader?.tweetId, a.leader?.handle], [dropped, "@bob"]);
          deepStrictEqual(searches, 1);
        } else {
          deepStrictEqual(a.leader?.handle, "@alice");
          deepStrictEqual(searches, 0);
        }
      } finally {
        await s.stop();
      }
    });
  }
});

Deno.test("a sweep X cannot answer holds the close, and health says so", async () => {
  const s = await show({ search: false }, { extensionWindowSeconds: 0 });
  try {
    await s.clock.advanceTo(I(T("14:00:10")));
    s.tweet("@alice", "@SothebAIs bid 1 ETH");
    await s.settle(5_000);
    // The sweep is retried at every read (every 3 s on Pro in the hot phase).
    s.served.fake.fault({ status: 503, times: 12, path: "/2/tweets/search/recent" });
    await s.clock.advanceTo(I(T("14:30:20")));
    await s.settle(20_000);
    deepStrictEqual(s.auctions.get("genesis-1")?.status, "open");
    const health = await s.engine.health();
    deepStrictEqual(health.checks["x.source"].ok, false);
    deepStrictEqual(
      (health.checks["x.source"].sweepPending as Array<{ auctionId: string }>)[0].auctionId,
      "genesis-1",
    );
    await s.settle(60_000);
    deepStrictEqual(s.auctions.get("genesis-1")?.status, "closed");
  } finally {
    await s.stop();
  }
});

Deno.test("a sweep refused with 429 waits for the search window's reset, asking nothing before", async () => {
  const s = await show({ search: false }, { extensionWindowSeconds: 0 });
  try {
    await s.clock.advanceTo(I(T("14:00:10")));
    s.tweet("@alice", "@SothebAIs bid 1 ETH");
    await s.settle(5_000);
    s.served.fake.fault({ status: 429, times: 1, path: "/2/tweets/search/recent" });
    await s.clock.advanceTo(I(T("14:30:20")));
    await s.settle(5 * 60_000);
    const searches = () => s.served.fake.stats().requests["GET /2/tweets/search/recent"] ?? 0;
    deepStrictEqual(searches(), 1, "one refused sweep, then nothing until the reset");
    deepStrictEqual(s.auctions.get("genesis-1")?.status, "open");
    deepStrictEqual((await s.engine.health()).checks["x.source"].ok, false);
    await s.settle(11 * 60_000);
    deepStrictEqual(s.auctions.get("genesis-1")?.status, "closed");
    deepStrictEqual(searches(), 2);
  } finally {
    await s.stop();
  }
});
