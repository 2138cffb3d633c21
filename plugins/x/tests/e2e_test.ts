/**
 * End to end: tweets into the fake X server → the x plugin reads them → the
 * auction decides → replies and results are posted back, checked on the fake
 * server. Real engine, real auction and funds-book plugins, virtual clock.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { FundsBook } from "../../funds-book/mod.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

const ETH = 10n ** 18n;
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
const I = (s: string) => Temporal.Instant.from(s);

Deno.test("e2e: tweets in → auction decisions → replies posted on X", async () => {
  const clock = virtualClock(T("13:59:00"));
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "pro" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      "funds-book": {},
      auction: {
        auctions: [{
          id: "genesis-1",
          item: "Genesis #1",
          startsAt: T("14:00:00"),
          endsAt: T("14:30:00"),
          maxEndsAt: T("15:00:00"),
          reserve: "1 ETH",
          ingestGraceSeconds: 30,
        }],
      },
      x: {
        baseUrl: served.url,
        tier: "pro",
        backfill: true,
        publicUrl: "https://show.example",
      },
    }, clock);
    const book = engine.service<FundsBook>("funds-book");
    const auctions = engine.service<Auctions>("auctions");
    await book.link("@alice", "0x00000000000000000000000000000000000000a1");
    await book.enter("@alice", "deposit", 5n * ETH);
    await book.link("@bob", "0x00000000000000000000000000000000000000b2");
    await book.enter("@bob", "deposit", 5n * ETH);
    const settle = async (ms: number) => {
      const end = clock.instant().add({ milliseconds: ms });
      while (Temporal.Instant.compare(clock.instant(), end) < 0) {
        await clock.advance(1_000);
        await engine.x.idle();
        await auctions.idle();
        await engine.x.idle();
      }
    };
    await clock.advanceTo(I(T("14:00:10")));
    const tweet = (author: string, text: string) => served.fake.inject({ author, text }).id;
    const a1 = tweet("@alice", "@SothebAIs bid 1.5 ETH 🔥");
    const b1 = tweet("@bob", "@SothebAIs bid 1.55");
    const c1 = tweet("@carol", "@SothebAIs bid 2 eth");
    const f1 = tweet("@frank", "@SothebAIs bid 2,5");
    const d1 = tweet("@dave", "@SothebAIs help");
    const e1 = tweet("@erin", "@SothebAIs what is this piece about?");
    const questions: string[] = [];
    engine.bus.on("host.question", (e) => void questions.push(e.payload.tweetId));
    await settle(20_000);
    const b2 = tweet("@bob", "hey @SothebAIs I bid Ξ2");
    await settle(30_000);

    const replies = () =>
      new Map(
        served.fake.posts().map((p) => [p.text, p.referenced_tweets?.[0]?.id] as const),
      );
    const replyTo = (id: string) =>
      [...replies()].filter(([, to]) => to === id).map(([text]) => text);
    ok(replyTo(a1).some((t) => t.includes("your bid of 1.5 ETH on Genesis #1 is in")));
    ok(replyTo(b1).some((t) => t.startsWith("@bob bid not accepted:")), "below increment");
    ok(replyTo(c1).some((t) => t.startsWith("@carol bid not accepted:")), "not linked");
    ok(replyTo(f1).some((t) => t.startsWith("@frank bid not accepted:")), "malformed");
    ok(replyTo(d1).some((t) => t.startsWith("@dave bid:")), "help");
    ok(replyTo(a1).some((t) => t.includes("@alice you've been outbid on Genesis #1")));
    deepStrictEqual(questions, [e1]);
    deepStrictEqual(auctions.get("genesis-1")?.leader?.handle, "@bob");

    // The end: the auction closes only once the source has read past end + grace.
    await clock.advanceTo(I(T("14:30:00")));
    await settle(45_000);
    deepStrictEqual(auctions.get("genesis-1")?.status, "closed");
    await settle(15_000);
    ok(replyTo(b2).some((t) => t.startsWith("@bob you won Genesis #1 for 2 ETH")));
    ok([...replies().keys()].some((t) => t.startsWith("SOLD: Genesis #1 to @bob for 2 ETH")));
    ok([...replies().keys()].some((t) => t.startsWith("@alice so close")));

    // Bob's public history page.
    const page = await engine.http.request("/bidders/bob?format=json");
    const body = await page.json();
    deepStrictEqual(
      body.history.map((h: { kind: string; tweetId: string }) => `${h.kind}:${h.tweetId}`).sort(),
      [`accepted:${b2}`, `rejected:${b1}`, `won:${b2}`].sort(),
    );
    ok(
      (await (await engine.http.request("/bidders/bob")).text()).includes("@bob: bidding history"),
    );
    deepStrictEqual(served.fake.stats().rateLimited, 0);
    await engine.stop();
  } finally {
    await served.stop();
    await storage.remove();
  }
});
