/**
 * Replies to the chain's answers, checked on the fake server: a refused link
 * gets the reason and the link page, a link gets a confirmation under the
 * handle's latest link tweet, and `auction.settled` with nulls (no winner, no
 * transfer) is read as the chain declares it.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
// The chain's event types come with its mod.ts: the emits below are checked against them.
import type {} from "../../chain/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

Deno.test("chain replies: link refused, linked, settled with and without a winner", async () => {
  const clock = virtualClock("2026-03-08T12:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "pro", backfill: true, publicUrl: "https://show.example/" },
    }, clock);
    const step = async (ms: number) => {
      for (let t = 0; t < ms; t += 1000) {
        await clock.advance(1000);
        await engine.x.idle();
      }
    };
    const posts = () => served.fake.posts();
    const replies = (id: string) =>
      posts().filter((p) => p.referenced_tweets?.[0]?.id === id).map((p) => p.text);
    const tweet = (author: string, text: string) => served.fake.inject({ author, text }).id;
    const alice = served.fake.user("@alice").id;

    const refused = tweet("@alice", "@SothebAIs link ABC123");
    await step(10_000);
    const address = "0x1111111111111111111111111111111111112222";
    engine.bus.emit("wallet.link-refused", {
      tweetId: refused,
      handle: "@alice",
      reason: "expired",
      message: "this code has expired; sign again on the link page",
    });
    await step(5_000);
    deepStrictEqual(replies(refused), [
      "@alice wallet not linked: this code has expired; sign again on the link page. " +
      `To link: sign on https://show.example/link?handle=@alice&user=${alice} ` +
      "then tweet link <code>.",
    ]);

    // A refusal whose reason is too long keeps the page address; the reason is clipped.
    const long = tweet("@alice", "@SothebAIs link LONG99");
    await step(10_000);
    engine.bus.emit("wallet.link-refused", {
      tweetId: long,
      handle: "@alice",
      reason: "malformed",
      message: "x".repeat(400),
    });
    await step(5_000);
    const [clipped] = replies(long);
    ok([...clipped].length <= 280, clipped);
    ok(clipped.includes("…") && clipped.endsWith(`user=${alice} then tweet link <code>.`), clipped);

    // wallet.linked names no tweet: the reply goes to alice's latest link tweet.
    const accepted = tweet("@Alice", "@SothebAIs link XYZ789");
    await step(10_000);
    engine.bus.emit("wallet.linked", { handle: "@Alice", xUserId: alice, address });
    // The same answer twice (a re-read tweet) posts once.
    engine.bus.emit("wallet.linked", { handle: "@Alice", xUserId: alice, address });
    await step(5_000);
    deepStrictEqual(replies(accepted), [
      "@Alice your wallet is linked to your account. Deposit to escrow, then bid.",
    ]);
    deepStrictEqual(replies(refused).length, 1, "older link tweets get nothing more");

    // A handle with no link tweet read here: a mention, not a reply.
    engine.bus.emit("wallet.linked", { handle: "@bob", xUserId: "42", address });
    await step(5_000);
    const mention = posts().find((p) => p.text.startsWith("@bob your wallet is linked"));
    ok(mention && !mention.referenced_tweets, "a mention for bob");
    // Nothing posted or kept names the wallet (the outbox's keys and texts).
    ok(!posts().some((p) => p.text.includes("0x1111")), "no post names the wallet");
    const outbox = JSON.stringify(await engine.db.query("select * from x_outbox")).toLowerCase();
    ok(!outbox.includes(address.slice(2).toLowerCase()), "the outbox keeps no address");

    // Settlement: the chain sends nulls when there is no winner or no NFT transfer.
    engine.bus.emit("auction.opened", {
      auctionId: "a1",
      item: "Genesis #1",
      startsAt: "2026-03-08T12:00:00-04:00",
      endsAt: "2026-03-08T13:00:00-04:00",
    });
    engine.bus.emit("auction.opened", {
      auctionId: "a2",
      item: "Genesis #2",
      startsAt: "2026-03-08T12:00:00-04:00",
      endsAt: "2026-03-08T13:00:00-04:00",
    });
    engine.bus.emit("auction.opened", {
      auctionId: "a3",
      item: "Genesis #3",
      startsAt: "2026-03-08T12:00:00-04:00",
      endsAt: "2026-03-08T13:00:00-04:00",
    });
    const tx = `0x${"ab".repeat(32)}`;
    engine.bus.emit("auction.settled", { auctionId: "a1", winner: "@carol", txHash: tx });
    engine.bus.emit("auction.settled", { auctionId: "a2", winner: null, txHash: null });
    engine.bus.emit("auction.settled", { auctionId: "a3", winner: "@dave", txHash: null });
    await step(5_000);
    const settled = posts().filter((p) => p.text.includes(" is settled")).map((p) => p.text);
    deepStrictEqual(settled.sort(), [
      `Genesis #1 is settled — it is @carol's now. Transaction: ${tx}`,
      "Genesis #3 is settled for @dave.",
    ]);
    ok(!posts().some((p) => p.text.includes("Genesis #2 is settled")), "no sale: no post");
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});

Deno.test("chain replies: keep and refund tweets go to the chain, and its answer is the reply", async () => {
  const clock = virtualClock("2026-03-08T12:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "pro", backfill: true },
    }, clock);
    const step = async (ms: number) => {
      for (let t = 0; t < ms; t += 1000) {
        await clock.advance(1000);
        await engine.x.idle();
      }
    };
    const requests: unknown[] = [];
    engine.bus.on("funds.keep-requested", (e) => void requests.push(e.payload));
    const keep = served.fake.inject({ author: "@carol", text: "@SothebAIs keep" }).id;
    const refund = served.fake.inject({ author: "@dan", text: "@SothebAIs refund" }).id;
    await step(10_000);
    // With its author's user id: the chain keeps funds per X account, not per handle.
    const { fake } = served;
    deepStrictEqual(requests, [
      { tweetId: keep, authorId: fake.user("@carol").id, handle: "@carol", keep: true },
      { tweetId: refund, authorId: fake.user("@dan").id, handle: "@dan", keep: false },
    ]);
    engine.bus.emit("funds.kept", {
      tweetId: keep,
      handle: "@carol",
      keep: true,
      ok: true,
      message: "your unspent escrow stays for the next auction. Tweet refund to undo.",
    });
    engine.bus.emit("funds.kept", {
      tweetId: refund,
      handle: "@dan",
      keep: false,
      ok: false,
      message: "not done: @dan has no linked wallet.",
    });
    await step(5_000);
    const replies = (id: string) =>
      served.fake.posts().filter((p) => p.referenced_tweets?.[0]?.id === id).map((p) => p.text);
    deepStrictEqual(replies(keep), [
      "@carol your unspent escrow stays for the next auction. Tweet refund to undo.",
    ]);
    deepStrictEqual(replies(refund), ["@dan not done: @dan has no linked wallet."]);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
