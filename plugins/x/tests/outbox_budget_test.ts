/**
 * The posting budget under a burst of 500 bids on the Basic tier (100 posts /
 * 24 h): never exceeded (the fake X server never has to answer 429), the
 * winner still gets through, acks coalesce into "new leader" posts, and
 * priorities decide who posts first. On Pro (100 / 15 min beside 10k / day) a lot's last
 * minutes fill the 15-minute window: when it rolls on, every outbid bidder is told (the wake is
 * the window's own, not the day's).
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const ETH = 10n ** 18n;
const T0 = "2026-03-08T14:00:00-04:00";

Deno.test("budget: a 500-bid burst on Basic never exceeds 100 posts / 24 h; the winner gets through", async () => {
  const clock = virtualClock(T0);
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "basic" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "basic", read: false },
    }, clock);
    const at = () => clock.instant().toString();
    const sentAt = new Map<string, number>();
    served.fake.options.onPost = (t) => void sentAt.set(t.text, clock.instant().epochMilliseconds);
    engine.bus.emit("auction.opened", {
      auctionId: "genesis-1",
      item: "Genesis #1",
      startsAt: T0,
      endsAt: "2026-03-08T16:00:00-04:00",
    });
    // The burst: 500 decisions within a minute, 50 bidders taking turns, every 10th refused.
    let leader: { handle: string; amountWei: bigint } | null = null;
    for (let i = 1; i <= 500; i++) {
      const tweet = served.fake.inject({ author: `@bidder${i % 50}`, text: `@SothebAIs bid ${i}` });
      const handle = `@bidder${i % 50}`;
      if (i % 10 === 0) {
        engine.bus.emit("bid.rejected", {
          auctionId: "genesis-1",
          tweetId: tweet.id,
          handle,
          reason: "below_increment",
          message: "the next bid must be at least 1.05 ETH more.",
          at: at(),
        });
      } else {
        const amountWei = BigInt(i) * ETH;
        engine.bus.emit("bid.accepted", {
          auctionId: "genesis-1",
          tweetId: tweet.id,
          entryId: tweet.id,
          handle,
          amountWei,
          at: at(),
          previousLeader: leader,
          endsAt: "2026-03-08T16:00:00-04:00",
          proxy: false,
          max: false,
          leads: true,
          causedBy: null,
        });
        leader = { handle, amountWei };
      }
      await clock.advance(100);
      if (i % 25 === 0) await engine.x.idle();
    }
    await engine.x.idle();
    // Two hours of the show go by.
    for (let m = 0; m < 120; m++) {
      await clock.advance(60_000);
      await engine.x.idle();
    }
    const beforeClose = served.fake.posts().length;
    const winnerTweet = served.fake.posts()[0]?.id; // any visible tweet id will do as reply target
    engine.bus.emit("auction.closed", {
      auctionId: "genesis-1",
      winner: { handle: leader!.handle, amountWei: leader!.amountWei, tweetId: winnerTweet },
      runnerUp: { handle: "@bidder48", amountWei: 498n * ETH },
      at: at(),
    });
    const closedAt = clock.instant().epochMilliseconds;
    await engine.x.idle();
    await clock.advance(5_000);
    await engine.x.idle();

    const posts = served.fake.posts();
    const texts = posts.map((p) => p.text);
    const stats = served.fake.stats();
    deepStrictEqual(stats.rateLimited, 0, "X never had to refuse a post");
    ok(posts.length <= 100, `posts within the Basic budget: ${posts.length}`);
    // The winner and the results went out at once, ahead of anything still waiting.
    const won = texts.find((t) => t.includes("you won Genesis #1"));
    const sold = texts.find((t) => t.startsWith("SOLD: Genesis #1"));
    ok(won && sold, "winner and results posted");
    ok(sentAt.get(won!)! - closedAt <= 5_000, "winner within 5 s of the decision");
    ok(texts.indexOf(won!) >= beforeClose && texts.indexOf(sold!) >= beforeClose);
    // Acks coalesced: far fewer ack posts than accepted bids, with "new leader" summaries.
    const acks = texts.filter((t) => t.includes("is in: you lead") || t.startsWith("New leader"));
    ok(acks.length >= 2 && acks.length <= 20, `ack posts: ${acks.length}`);
    ok(texts.some((t) => /^New leader on Genesis #1: @bidder\d+ at \d+ ETH — \d+ bids/.test(t)));
    // Every queued post is accounted for: sent, merged, dropped to the stream, or waiting.
    const rows = await engine.db.query<{ status: string; n: string }>(
      "select status, count(*)::int8 as n from x_outbox group by status order by status",
    );
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    deepStrictEqual(by.sent, posts.length);
    deepStrictEqual(by.sending ?? 0, 0);
    ok(by.coalesced > 300, `coalesced: ${by.coalesced}`);
    // Priorities: no ack was sent while an outbid of the same moment waited… and outbids
    // (higher) outnumber acks (lower) in what got through.
    const outbids = texts.filter((t) => t.includes("you've been outbid")).length;
    ok(outbids > acks.length, `outbids ${outbids} > acks ${acks.length}`);
    const usage = await engine.x.usage();
    deepStrictEqual(usage[0].used, posts.length);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});

Deno.test("budget: Pro's last minutes fill the 15-minute window; once it rolls on, every outbid bidder is told", async () => {
  const clock = virtualClock(T0);
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "pro", read: false },
    }, clock);
    const at = () => clock.instant().toString();
    const endsAt = "2026-03-08T14:15:00-04:00";
    engine.bus.emit("auction.opened", {
      auctionId: "genesis-2",
      item: "Genesis #2",
      startsAt: T0,
      endsAt,
    });
    // A bid every 5 s for 10 minutes, 12 bidders taking turns: each outbids the one before,
    // more notices (acks + outbids) than Pro's 100 posts / 15 min hold.
    let leader: { handle: string; amountWei: bigint; tweetId: string } | null = null;
    const outbidHandles = new Set<string>();
    for (let i = 1; i <= 120; i++) {
      const handle = `@pro${i % 12}`;
      const tweet = served.fake.inject({ author: handle, text: `@SothebAIs bid ${i}` });
      const amountWei = BigInt(i) * ETH;
      engine.bus.emit("bid.accepted", {
        auctionId: "genesis-2",
        tweetId: tweet.id,
        entryId: tweet.id,
        handle,
        amountWei,
        at: at(),
        previousLeader: leader && { handle: leader.handle, amountWei: leader.amountWei },
        endsAt,
        proxy: false,
        max: false,
        leads: true,
        causedBy: null,
      });
      if (leader) outbidHandles.add(leader.handle);
      leader = { handle, amountWei, tweetId: tweet.id };
      await clock.advance(5_000);
      await engine.x.idle();
    }
    engine.bus.emit("auction.closed", {
      auctionId: "genesis-2",
      winner: { handle: leader!.handle, amountWei: leader!.amountWei, tweetId: leader!.tweetId },
      runnerUp: { handle: "@pro11", amountWei: 119n * ETH },
      at: at(),
    });
    await engine.x.idle();
    // The window rolls on; nothing else wakes the outbox (no reads, no new notices).
    for (let s = 0; s < 25 * 60; s += 10) {
      await clock.advance(10_000);
      await engine.x.idle();
    }
    const rows = await engine.db.query<{ kind: string; status: string; carrier: string | null }>(
      `select r.kind, r.status, c.status as carrier from x_outbox r
         left join x_outbox c on c.id = r.coalesced_into where r.priority <= 1`,
    );
    const told = (r: { status: string; carrier: string | null }) =>
      r.status === "sent" || r.carrier === "sent";
    const outbids = rows.filter((r) => r.kind === "outbid");
    deepStrictEqual(outbids.length, 119);
    deepStrictEqual(
      outbids.filter((r) => !told(r)).map((r) => r.status),
      [],
      "every outbid notice sent or merged into one that was",
    );
    ok(rows.filter((r) => r.kind !== "outbid").every(told), "winner, results, runner-up told");
    const texts = served.fake.posts().map((p) => p.text);
    for (const h of outbidHandles) {
      ok(texts.some((t) => t.startsWith(`${h} you've been outbid`)), `${h} told`);
    }
    deepStrictEqual(served.fake.stats().rateLimited, 0, "X never had to refuse a post");
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
