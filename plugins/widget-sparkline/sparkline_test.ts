/**
 * The sparkline against its golden: five bids of the lot drawn as a rising
 * line with the latest price; a bid of another auction is not on it; before
 * the second bid it says so; an item asking for 1 point is refused.
 */
import { assertEquals } from "../../core/testing.ts";
import { matchGolden, renderWidget, widgetState } from "../compositor/mod.ts";
import { sparkline } from "./sparkline.ts";

const GOLDENS = new URL("./goldens/", import.meta.url);
const eth = (n: number) => BigInt(Math.round(n * 1000)) * 10n ** 15n;
const bid = (auctionId: string, handle: string, n: number) => ({
  type: "bid.accepted",
  payload: { auctionId, tweetId: `t-${handle}-${n}`, handle, amountWei: eth(n), endsAt: "" },
});
const opened = { type: "auction.updated", payload: { auctionId: "lot-1" } };
const events = [
  opened,
  bid("lot-1", "@ada", 1),
  bid("lot-1", "@bo", 1.2),
  bid("other", "@x", 40),
  bid("lot-1", "@ada", 1.25),
  bid("lot-1", "@cy", 1.6),
  bid("lot-1", "@bo", 2.05),
];

Deno.test("sparkline: the lot's bids as a line, the latest price over it (golden)", async () => {
  assertEquals(widgetState(sparkline, events).prices, [1, 1.2, 1.25, 1.6, 2.05].map(eth));
  const frame = await renderWidget(sparkline, { width: 560, height: 220, events });
  assertEquals(frame.failing, []);
  await matchGolden(frame, GOLDENS, "sparkline");
  const empty = await renderWidget(sparkline, {
    width: 560,
    height: 220,
    events: events.slice(0, 2),
  });
  await matchGolden(empty, GOLDENS, "sparkline-one-bid");
});

Deno.test("sparkline: an item's config is checked (points ≥ 2)", async () => {
  const frame = await renderWidget(sparkline, { props: { points: 1 }, events });
  assertEquals(frame.failing, ["sparkline"]);
});
