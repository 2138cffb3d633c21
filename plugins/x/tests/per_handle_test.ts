/**
 * One handle's share of the account: a spammer's refusals and questions cannot use up the
 * posts or the host. On the fake X with the engine reading and posting: past `perHandle.posts`
 * in a window, a handle's further refusals are stored `skipped` and never posted, while another
 * handle's refusals go out; the next window gives the spammer its share again. Past
 * `questionLimit`, a handle's questions do not reach the host.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import type { BidRejected } from "../../auction/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const T0 = "2026-03-08T14:00:00-04:00";

Deno.test("per handle: refusals past a handle's share are not posted; questions past its limit not asked", async () => {
  const clock = virtualClock(T0);
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: {
        baseUrl: served.url,
        tier: "pro",
        backfill: true,
        perHandle: { posts: 2, windowSeconds: 600 },
        questionLimit: { questions: 2, windowSeconds: 600 },
      },
    }, clock);
    const questions: string[] = [];
    engine.bus.on("host.question", (e) => void questions.push(e.payload.handle));
    const step = async (ms: number, by = 1000) => {
      for (let t = 0; t < ms; t += by) {
        await clock.advance(by);
        await engine.x.idle();
      }
    };
    // Refusals of both kinds: bids the auction refused (on the bus), and malformed commands.
    const refuse = (handle: string, n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        if (i % 2) {
          ids.push(served.fake.inject({ author: handle, text: "@SothebAIs link" }).id);
          continue;
        }
        const tweetId =
          served.fake.inject({ author: handle, text: `@SothebAIs bid 0.${i} ETH` }).id;
        ids.push(tweetId);
        const rejected: BidRejected = {
          auctionId: "lot-1",
          tweetId,
          handle,
          reason: "below_increment",
          message: `the next bid must be at least ${i + 2} ETH.`,
          at: clock.instant().toString(),
        };
        engine.bus.emit("bid.rejected", rejected);
      }
      return ids;
    };
    const spam = new Set(refuse("@Spammer", 30));
    const honest = new Set(refuse("@honest", 2));
    for (let i = 0; i < 6; i++) {
      served.fake.inject({
        author: i % 2 ? "@spammer" : "@SPAMMER",
        text: `@SothebAIs ? why ${i}`,
      });
    }
    served.fake.inject({ author: "@curious", text: "@SothebAIs ? what is this lot" });
    await step(60_000);

    const repliedTo = () =>
      served.fake.posts().map((p) => p.referenced_tweets?.find((r) => r.type === "replied_to")?.id);
    const toSpam = repliedTo().filter((id) => id && spam.has(id)).length;
    const toHonest = repliedTo().filter((id) => id && honest.has(id)).length;
    ok(toSpam >= 1 && toSpam <= 2, `posts answering the spammer: ${toSpam} (share 2)`);
    deepStrictEqual(toHonest, 2, "the other handle's refusals are answered");
    // Past its share each refusal is stored and never posted: skipped when the share is spent,
    // or merged into a post still waiting (which of the two depends on when the sends land).
    const rows = await engine.db.query<{ status: string; n: string }>(
      "select status, count(*)::int8 as n from x_outbox where handle = '@spammer' group by status",
    );
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const unposted = (by.skipped ?? 0) + (by.coalesced ?? 0);
    deepStrictEqual((by.sent ?? 0) + unposted, 30, `every refusal stored: ${JSON.stringify(by)}`);
    ok((by.sent ?? 0) <= 2 && by.skipped > 0, `the spammer's rows: ${JSON.stringify(by)}`);
    deepStrictEqual(questions.map((h) => h.toLowerCase()).sort(), [
      "@curious",
      "@spammer",
      "@spammer",
    ]);

    // The next window: the spammer's share is back.
    await step(600_000, 30_000);
    const later = refuse("@spammer", 1)[0];
    await step(30_000);
    ok(repliedTo().includes(later), "a refusal in the next window is answered");
    console.log(
      `spammer: ${spam.size} refusals, ${toSpam} posted, ${by.skipped} skipped, ${
        by.coalesced ?? 0
      } merged; honest: ${toHonest} of ${honest.size}; questions: ${questions.length} of 7 asked`,
    );
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
