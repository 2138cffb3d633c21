/**
 * What every notice handler shares: the options, the items seen per auction, the bidding history
 * (`x_bid_history`, written only through `record`: `bid_history.ts`), the tweets to reply to, and `on`, which runs a
 * handler off the bus with the payload its owner declared and keeps its promise for `idle()`.
 * Built once by `startNotifications`.
 */
import type { EventType, Payload } from "../../core/bus.ts";
import type {} from "../auction/mod.ts";
import type {} from "../chain/mod.ts";
import { bidHistory } from "./bid_history.ts";
import { clip } from "./outbox.ts";
import type { NotifierOptions } from "./notifications.ts";
import { etTime } from "./notifications.ts";

export type NoticeContext = ReturnType<typeof noticeContext>;

const at = (handle: string) => (handle.startsWith("@") ? handle : `@${handle}`);
const lower = (handle: string) => handle.toLowerCase();

/** A reply with what must survive clipping (a link) kept whole; the message gives way. */
const fitted = (head: string, message: string, tail: string) => {
  const room = 280 - [...head].length - [...tail].length;
  return head + clip(message, Math.max(room, 20)) + tail;
};

export function noticeContext(o: NotifierOptions) {
  const facts = { hostHandle: o.hostHandle, linkUrl: o.linkUrl };
  /** A receipt link, added only where the post has room for it. */
  const withReceipt = (text: string, auctionId: string | null) => {
    const more = auctionId ? ` Receipt: ${o.publicUrl}/auctions/${auctionId}/bids` : "";
    return [...text].length + [...more].length <= 280 ? text + more : text;
  };
  const items = new Map<string, string>();
  const reminders = new Map<string, () => void>();
  // After a restart the auction may retell a close before any `auction.updated`: the item is
  // asked of the auction then, and a lot is never named by its id.
  const itemOf = (auctionId: string | null) =>
    (auctionId && (items.get(auctionId) ?? o.itemName?.(auctionId))) || "the auction";

  const history = bidHistory(o.db);
  const record = history.record;

  /** The X user id of a tweet read (for the link page, which binds the wallet to it). */
  const authorOf = async (tweetId: string) => {
    const [r] = await o.db.query<{ author_id: string }>(
      "select author_id from x_tweets where tweet_id = $1",
      [tweetId],
    );
    return r?.author_id;
  };

  /** The tweet that made `handle` the leader of `auctionId`, to reply to when they are outbid. */
  const leadingTweet = history.leadingTweet;

  const inFlight = new Set<Promise<void>>();
  const on = <T extends EventType>(
    type: T,
    fn: (payload: Payload<T>, eventAt: string) => Promise<void> | void,
  ) =>
    o.bus.on(type, (event) => {
      const work = (async () => {
        try {
          await fn(event.payload, event.at);
        } catch (error) {
          o.log.error("notification failed", { event: type, error });
        }
      })();
      inFlight.add(work);
      work.finally(() => inFlight.delete(work));
      // The auction marks a decision told once this resolves (its announcement outbox).
      return work;
    });

  const scheduleReminder = (a: { auctionId: string; item: string; startsAt: string }) => {
    reminders.get(a.auctionId)?.();
    const fireAt = Temporal.Instant.from(a.startsAt).subtract({
      minutes: o.remindLeadMinutes,
    });
    if (Temporal.Instant.compare(Temporal.Instant.from(a.startsAt), o.clock.instant()) <= 0) return;
    const cancel = o.clock.at(fireAt, () => {
      remind(a).catch((error) => o.log.error("reminders failed", { error }));
    });
    // A clock may run a past-due timer at once and return no cancel.
    if (typeof cancel === "function") reminders.set(a.auctionId, cancel);
  };

  /** One post per ~10 handles: reminders to many people cost few posts. */
  const remind = async (a: { auctionId: string; item: string; startsAt: string }) => {
    const handles = await o.reminders.active();
    const head = `${a.item} opens at ${etTime(a.startsAt)}. Bid by tweeting ${
      at(o.hostHandle)
    } bid <amount> ETH.`;
    let chunk: string[] = [];
    let n = 0;
    const flush = async () => {
      if (!chunk.length) return;
      await o.enqueue({
        key: `remind:${a.auctionId}:${a.startsAt}:${n++}`,
        kind: "remind",
        priority: "announcement",
        text: `${chunk.join(" ")} ${head}`,
      });
      chunk = [];
    };
    for (const handle of handles) {
      if ([...`${[...chunk, handle].join(" ")} ${head}`].length > 280) await flush();
      chunk.push(handle);
    }
    await flush();
  };

  return {
    o,
    facts,
    fitted,
    withReceipt,
    items,
    reminders,
    itemOf,
    record,
    authorOf,
    leadingTweet,
    inFlight,
    on,
    scheduleReminder,
    at,
    lower,
  };
}
