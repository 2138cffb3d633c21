/**
 * Commands read from X: link, history, remind / stop and the reminder before
 * the next auction, help and malformed commands — checked on the fake server.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

Deno.test("commands: link, history, remind → a reminder before the auction, stop, malformed", async () => {
  const clock = virtualClock("2026-03-08T12:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "pro", backfill: true, publicUrl: "https://show.example" },
    }, clock);
    const links: unknown[] = [];
    engine.bus.on("wallet.link-requested", (e) => void links.push(e.payload));
    const tweet = (author: string, text: string) => served.fake.inject({ author, text }).id;
    const link = tweet("@alice", "@SothebAIs link SIWE-7F3A");
    const history = tweet("@alice", "@SothebAIs history");
    tweet("@bob", "@SothebAIs remind me please");
    tweet("@carol", "@SothebAIs remind");
    tweet("@dave", "@SothebAIs remind");
    tweet("@dave", "@SothebAIs stop");
    const bad = tweet("@erin", "@SothebAIs link");
    const step = async (ms: number) => {
      for (let t = 0; t < ms; t += 1000) {
        await clock.advance(1000);
        await engine.x.idle();
      }
    };
    await step(30_000);
    deepStrictEqual(links, [{
      tweetId: link,
      authorId: served.fake.user("@alice").id,
      handle: "@alice",
      proof: "SIWE-7F3A",
    }]);
    const posts = () => served.fake.posts();
    const replyTo = (id: string) => posts().find((p) => p.referenced_tweets?.[0]?.id === id)?.text;
    deepStrictEqual(replyTo(history), "@alice your bids: https://show.example/bidders/alice");
    // The refusal names the fix: the link page, from config, for this account.
    deepStrictEqual(
      replyTo(bad),
      `@erin to link a wallet, sign on https://show.example/link?handle=@erin&user=${
        served.fake.user("@erin").id
      } then tweet: link <code> (the code from the page)`,
    );

    // An auction is scheduled for 13:00; reminders go 15 minutes before, to bob and carol.
    engine.bus.emit("auction.updated", {
      auctionId: "genesis-2",
      item: "Genesis #2",
      status: "scheduled",
      startsAt: "2026-03-08T13:00:00-04:00",
      endsAt: "2026-03-08T15:00:00-04:00",
      maxEndsAt: "2026-03-08T15:30:00-04:00",
      reserveWei: 10n ** 17n,
      priceWei: null,
      leader: null,
      bidCount: 0,
      minNextWei: 10n ** 17n,
      extensions: 0,
      extensionWindowSeconds: 120,
      extensionSeconds: 120,
      ingestGraceSeconds: 10,
    });
    await clock.advanceTo(Temporal.Instant.from("2026-03-08T12:44:00-04:00"));
    await engine.x.idle();
    ok(!posts().some((p) => p.text.includes("opens at")), "not yet");
    await step(70_000);
    const reminder = posts().find((p) => p.text.includes("Genesis #2 opens at 1:00 PM ET"));
    ok(reminder, "reminder posted");
    ok(reminder.text.startsWith("@bob @carol "), reminder.text);
    ok(!reminder.text.includes("@dave"), "dave said stop");
    // Sealed at rest: raw SQL on the table shows no handle and no account id.
    const raw = JSON.stringify(await engine.db.query("select * from x_reminders"));
    for (const who of ["@bob", "@carol", "@dave"]) {
      ok(!raw.toLowerCase().includes(who.slice(1)), `${who} is not stored in plain text`);
      ok(!raw.includes(served.fake.user(who).id), `${who}'s account id is not stored`);
    }
    deepStrictEqual((await engine.db.query("select handle_mac from x_reminders")).length, 3);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
