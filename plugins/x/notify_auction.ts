/**
 * Notices of the auction's life: the item of each lot remembered (`auction.updated`), reminders
 * `remindLeadMinutes` before a scheduled lot, the opening announcement, the winner, runner-up and
 * results at the close, and the settlement (`auction.settled`, as the chain declares it).
 */
import type { NoticeContext } from "./notice_context.ts";
import { eth, etTime } from "./notifications.ts";

export function auctionNotices(c: NoticeContext): Array<() => void> {
  const { at } = c;
  return [
    c.on("auction.updated", (a) => {
      c.items.set(a.auctionId, a.item);
      if (a.status === "scheduled") c.scheduleReminder(a);
    }),
    c.on("auction.opened", async (a) => {
      c.items.set(a.auctionId, a.item);
      await c.o.enqueue({
        key: `opened:${a.auctionId}:${a.startsAt}`,
        kind: "announcement",
        priority: "announcement",
        text: `Bidding is open: ${a.item}, until ${etTime(a.endsAt)}. Tweet ${
          at(c.o.hostHandle)
        } bid <amount> ETH — every bid shows on the live stream.`,
      });
    }),
    c.on("auction.closed", async (closed) => {
      const item = c.itemOf(closed.auctionId);
      if (closed.winner) {
        await c.record({
          tweetId: closed.winner.tweetId,
          kind: "won",
          handle: closed.winner.handle,
          auctionId: closed.auctionId,
          amountWei: closed.winner.amountWei,
          at: closed.at,
        });
        await c.o.enqueue({
          key: `won:${closed.auctionId}`,
          kind: "won",
          priority: "winner",
          replyTo: closed.winner.tweetId,
          text:
            `${at(closed.winner.handle)} you won ${item} for ${eth(closed.winner.amountWei)}! ` +
            `Settlement runs from your escrow deposit; the NFT goes to your linked wallet.`,
        });
      }
      if (closed.runnerUp) {
        await c.o.enqueue({
          key: `runner-up:${closed.auctionId}`,
          kind: "runner-up",
          priority: "outbid",
          replyTo: await c.leadingTweet(closed.auctionId, closed.runnerUp.handle),
          text: `${at(closed.runnerUp.handle)} so close: you were runner-up on ${item} at ` +
            `${
              eth(closed.runnerUp.amountWei)
            }. Your deposit is refunded or kept for the next auction.`,
        });
      }
      await c.o.enqueue({
        key: `results:${closed.auctionId}`,
        kind: "results",
        priority: "winner",
        text: closed.winner
          ? `SOLD: ${item} to ${at(closed.winner.handle)} for ${eth(closed.winner.amountWei)}.` +
            (closed.runnerUp ? ` Runner-up: ${at(closed.runnerUp.handle)}.` : "") +
            ` Thank you all!`
          : `${item} closed without a winner (no valid bid met the reserve).`,
      });
    }),
    c.on("auction.settled", async (s) => {
      // No winner: auction.closed already said "closed without a winner"; refunds are not news.
      if (!s.winner) return;
      await c.o.enqueue({
        key: `settled:${s.auctionId}`,
        kind: "settled",
        priority: "winner",
        text: s.txHash
          ? `${c.itemOf(s.auctionId)} is settled — it is ${at(s.winner)}'s now. ` +
            `Transaction: ${s.txHash}`
          : `${c.itemOf(s.auctionId)} is settled for ${at(s.winner)}.`,
      });
    }),
  ];
}
