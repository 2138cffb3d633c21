/**
 * Notices of bids: each submitted bid recorded for `/bidders/:handle`, the "you lead" ack (or the
 * maximum's), the outbid reply to the previous leader's tweet, the maximum set or cancelled (never
 * its amount), and refusals with their fix and the receipt link when the post has room.
 */
import { fixFor } from "./help.ts";
import type { NoticeContext } from "./notice_context.ts";
import { eth, etTime } from "./notifications.ts";

export function bidNotices(c: NoticeContext): Array<() => void> {
  const { at, lower } = c;
  return [
    c.on("bid.submitted", async (b, eventAt) => {
      await c.record({
        tweetId: b.tweetId,
        kind: "submitted",
        handle: b.handle,
        at: b.tweetAt ?? eventAt,
      });
    }),
    c.on("bid.accepted", async (b) => {
      const item = c.itemOf(b.auctionId);
      // A bid a maximum answered at once: its bidder hears it from the outbid reply next.
      if (!b.leads) return;
      const prev = b.previousLeader && lower(b.previousLeader.handle) !== lower(b.handle)
        ? b.previousLeader
        : null;
      const outbidTweet = prev ? await c.leadingTweet(b.auctionId, prev.handle) : undefined;
      if (!b.proxy) await c.record({ ...b, kind: "accepted" });
      const entry = b.entryId ?? b.tweetId;
      const said = b.proxy
        ? `${at(b.handle)} your maximum bid raised you to ${eth(b.amountWei)} on ${item}: you lead.`
        : b.max
        ? `${at(b.handle)} your maximum bid on ${item} is in: you lead at ${eth(b.amountWei)}. ` +
          `We raise it for you, by the minimum, whenever someone bids (your maximum stays unsaid).`
        : `${at(b.handle)} your bid of ${eth(b.amountWei)} on ${item} is in: you lead. ` +
          `Ends ${etTime(b.endsAt)} unless someone outbids you.`;
      // Queued together: the ack and the outbid reply go in one statement (the outbox batches).
      const ack = c.o.enqueue({
        key: `accepted:${entry}`,
        kind: "ack",
        priority: "ack",
        coalesceKey: `lead:${b.auctionId}`,
        replyTo: b.tweetId,
        text: c.withReceipt(said, b.auctionId),
        payload: { handle: at(b.handle), amount: eth(b.amountWei), item },
      });
      if (prev) {
        const how = b.proxy ? "a maximum bid placed earlier answered yours: " : "";
        const outbid = c.o.enqueue({
          key: `outbid:${entry}:${lower(prev.handle)}`,
          kind: "outbid",
          priority: "outbid",
          coalesceKey: `outbid:${b.auctionId}:${lower(prev.handle)}`,
          replyTo: outbidTweet,
          text: `${at(prev.handle)} you've been outbid on ${item}: ${how}${at(b.handle)} leads ` +
            `with ${eth(b.amountWei)} (yours: ${eth(prev.amountWei)}). Bid again to take it back.`,
        });
        await Promise.all([ack, outbid]);
      } else await ack;
    }),
    c.on("bid.max-set", async (m) => {
      const item = c.itemOf(m.auctionId);
      await c.o.enqueue({
        key: `max:${m.tweetId}`,
        kind: "ack",
        priority: "ack",
        replyTo: m.tweetId,
        text: m.cancelled
          ? `${at(m.handle)} your maximum on ${item} is cancelled: your bid of ` +
            `${eth(m.currentWei)} stands, and nothing is raised for you any more.`
          : `${at(m.handle)} your new maximum on ${item} is set (it stays unsaid): you lead at ` +
            `${eth(m.currentWei)}.`,
      });
    }),
    c.on("bid.rejected", async (b) => {
      await c.record({ ...b, kind: "rejected" });
      // A duplicate is a tweet already decided and answered.
      if (b.reason === "duplicate") return;
      const userId = b.reason === "not_linked" ? await c.authorOf(b.tweetId) : undefined;
      const fix = fixFor(b.reason, { ...c.facts, handle: at(b.handle), userId });
      await c.o.enqueue({
        key: `rejected:${b.tweetId}`,
        kind: "rejection",
        priority: "rejection",
        coalesceKey: `rejected:${lower(b.handle)}`,
        replyTo: b.tweetId,
        handle: b.handle,
        text: c.withReceipt(
          c.fitted(
            `${at(b.handle)} bid not accepted: `,
            b.message.replace(/\.$/, "") + ".",
            fix ? ` ${fix}` : "",
          ),
          b.auctionId,
        ),
      });
    }),
  ];
}
