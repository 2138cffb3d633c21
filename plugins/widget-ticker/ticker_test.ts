import { deepStrictEqual } from "node:assert/strict";
import { howToBid } from "../x/help.ts";
import { widgetState } from "../compositor/mod.ts";
import { ticker, tickerMessages } from "./ticker.ts";

Deno.test("the ticker's facts come from the bus: how to bid from x, the rules from the auction", () => {
  const facts = { hostHandle: "@Host", linkUrl: "https://bid.example/link" };
  const state = widgetState(ticker, [
    { type: "help.published", payload: { lines: howToBid(facts), ...facts } },
    {
      type: "auction.updated",
      payload: {
        auctionId: "a",
        item: "Lot 7",
        status: "open",
        startsAt: "2026-03-08T14:00:00-04:00",
        endsAt: "2026-03-08T15:00:00-04:00",
        reserveWei: 10n ** 18n,
        priceWei: 1_315n * 10n ** 15n,
        leader: null,
        bidCount: 1,
        minNextWei: 1_381n * 10n ** 15n,
        extensions: 0,
        extensionWindowSeconds: 120,
        extensionSeconds: 90,
      },
    },
  ]);
  const config = ticker.config.parse({ help: true, messages: ["Deposit first"] });
  deepStrictEqual(tickerMessages(state, config), [
    ...howToBid(facts),
    "Bidding is open on “Lot 7” · next bid at least 1.381 ETH",
    "A bid in the last 2 minutes extends the auction to 90 seconds after it",
    "Deposit first",
  ]);
  // Without `help` the scene item shows only the lot, the rules and its own lines.
  deepStrictEqual(tickerMessages(state, ticker.config.parse({})).length, 2);
  // A line that is not text is the scene's mistake, named, not drawn.
  deepStrictEqual(ticker.config.safeParse({ messages: ["ok", 7] }).success, false);
});
