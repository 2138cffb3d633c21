import { deepStrictEqual } from "node:assert/strict";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import { howToBid } from "../x/help.ts";
import { createTickerLines } from "./ticker.ts";

Deno.test("the ticker's facts come from the bus: how to bid from x, the rules from the auction", () => {
  const bus = createBus(
    virtualClock("2026-03-08T14:00:00-04:00"),
    createLog("t", { level: "error" }),
  );
  const lines = createTickerLines(bus);
  const facts = { hostHandle: "@Host", linkUrl: "https://bid.example/link" };
  bus.emit("help.published", { lines: howToBid(facts), ...facts });
  bus.emit("auction.updated", {
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
  } as never);
  deepStrictEqual(lines.messages({ help: true, messages: ["Deposit first", 7] }), [
    ...howToBid(facts),
    "Bidding is open on “Lot 7” · next bid at least 1.381 ETH",
    "A bid in the last 2 minutes extends the auction to 90 seconds after it",
    "Deposit first",
  ]);
  // Without `help` the scene item shows only the lot, the rules and its own lines.
  deepStrictEqual(lines.messages({}).length, 2);
  lines.stop();
});
