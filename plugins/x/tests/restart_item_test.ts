/**
 * After a restart the x plugin has seen no `auction.updated` yet, and the auction tells its
 * closed, unsettled lots again at start (`auction.closed` first): the winner, results and
 * settlement posts must still name the lot by its item, never by its id. Real engine, auction
 * and funds-book; the first run has no x plugin, so every post is made by the restarted one.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const ETH = 10n ** 18n;
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;

Deno.test("restart: the winner, results and settled posts name the lot by its item, never its id", async () => {
  const clock = virtualClock(T("13:59:00"));
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  const auction = {
    watermark: "clock",
    auctions: [{
      id: "genesis-7",
      item: "Genesis #7",
      startsAt: T("14:00:00"),
      endsAt: T("14:10:00"),
      reserve: "1 ETH",
    }],
  };
  try {
    const first = await startXEngine(storage, { "funds-book": {}, auction }, clock);
    const book = first.service<FundsBook>("funds-book");
    await book.link("@alice", "0x00000000000000000000000000000000000000a1");
    await book.enter("@alice", "deposit", 5n * ETH);
    await clock.advanceTo(Temporal.Instant.from(T("14:01:00")));
    const bid = served.fake.inject({ author: "@alice", text: "@SothebAIs bid 2 ETH" });
    first.bus.emit("bid.submitted", {
      tweetId: bid.id,
      handle: "@alice",
      text: bid.text,
      tweetAt: T("14:01:00"),
    });
    await first.service<Auctions>("auctions").idle();
    await clock.advanceTo(Temporal.Instant.from(T("14:11:00")));
    await first.service<Auctions>("auctions").idle();
    deepStrictEqual(first.service<Auctions>("auctions").get("genesis-7")?.status, "closed");
    await first.stop();

    const second = await startXEngine(storage, {
      "funds-book": {},
      auction,
      x: { baseUrl: served.url, tier: "pro", stream: false, publicUrl: "https://show.example" },
    }, clock);
    const settle = async () => {
      for (let i = 0; i < 10; i++) {
        await clock.advance(1_000);
        await second.service<Auctions>("auctions").idle();
        await second.x.idle();
      }
    };
    await settle();
    // As the chain announces a settlement (it is not listed here).
    second.bus.emit("auction.settled", { auctionId: "genesis-7", winner: "@alice", txHash: null });
    await settle();
    const texts = served.fake.posts().map((p) => p.text);
    ok(texts.some((t) => t.startsWith("@alice you won Genesis #7 for 2 ETH")), texts.join("\n"));
    ok(texts.some((t) => t.startsWith("SOLD: Genesis #7 to @alice")), texts.join("\n"));
    ok(texts.some((t) => t.startsWith("Genesis #7 is settled for @alice")), texts.join("\n"));
    deepStrictEqual(texts.filter((t) => t.includes("genesis-7")), []);
    await second.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
