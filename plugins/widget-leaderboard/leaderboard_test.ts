/**
 * The leaderboard against its golden: bidders by their best bid of the lot,
 * the leader first; a lower bid of the same bidder does not move them; another
 * auction's bids are not counted; a new auction starts an empty board.
 */
import { assertEquals } from "../../core/testing.ts";
import { matchGolden, renderWidget, widgetState } from "../compositor/mod.ts";
import { leaderboard, topBidders } from "./leaderboard.ts";

const GOLDENS = new URL("./goldens/", import.meta.url);
const eth = (n: number) => BigInt(Math.round(n * 1000)) * 10n ** 15n;
const bid = (auctionId: string, handle: string, n: number) => ({
  type: "bid.accepted",
  payload: { auctionId, tweetId: `t-${handle}-${n}`, handle, amountWei: eth(n), endsAt: "" },
});
const events = [
  { type: "auction.updated", payload: { auctionId: "lot-1" } },
  bid("lot-1", "@ada", 1),
  bid("lot-1", "@bo", 1.2),
  bid("lot-1", "@ada", 1.5),
  bid("other", "@whale", 90),
  bid("lot-1", "@a_very_long_handle_for_a_card", 1.1),
  bid("lot-1", "@cy", 2.25),
  bid("lot-1", "@dee", 0.9),
  bid("lot-1", "@ed", 0.8),
];

Deno.test("leaderboard: the top bidders by their best bid, the leader in gold (golden)", async () => {
  const board = widgetState(leaderboard, events);
  assertEquals(topBidders(board.best, 3), [["@cy", eth(2.25)], ["@ada", eth(1.5)], [
    "@bo",
    eth(1.2),
  ]]);
  const frame = await renderWidget(leaderboard, { width: 380, height: 230, events });
  assertEquals(frame.failing, []);
  await matchGolden(frame, GOLDENS, "leaderboard");
  const next = widgetState(leaderboard, [...events, {
    type: "auction.updated",
    payload: { auctionId: "lot-2" },
  }]);
  assertEquals(next.best.size, 0, "a new lot starts an empty board");
});
