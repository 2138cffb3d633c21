/**
 * What the account says, and to whom: bus events of the auction (and the
 * chain) become outbox posts with a priority, an idempotency key (so an event
 * seen twice posts once) and a coalesce key. It also records each handle's
 * bidding history for `/bidders/:handle`.
 *
 * Events of other plugins are validated here with their agreed shapes, so a
 * change on their side shows up as a logged mismatch, not a wrong post.
 */
import { formatEther } from "viem";
import { z } from "zod";
import type { Bus } from "../../core/bus.ts";
import { type Clock, TIME_ZONE } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { fixFor, linkPageFor } from "./help.ts";
import type { LinkTweets } from "./link_tweets.ts";
import type { Reminders } from "./reminders.ts";
import { clip, type PostRequest, type Summarize } from "./outbox.ts";

const wei = z.union([z.bigint(), z.string().regex(/^\d+$/).transform(BigInt)]);

export const bidAcceptedSchema = z.object({
  auctionId: z.string(),
  tweetId: z.string(),
  handle: z.string(),
  amountWei: wei,
  at: z.string(),
  previousLeader: z.object({ handle: z.string(), amountWei: wei }).nullable(),
  endsAt: z.string(),
  entryId: z.string().optional(),
  proxy: z.boolean().default(false),
  max: z.boolean().default(false),
  leads: z.boolean().default(true),
});
export const maxSetSchema = z.object({
  auctionId: z.string(),
  tweetId: z.string(),
  handle: z.string(),
  cancelled: z.boolean(),
  currentWei: wei,
  at: z.string(),
});
export const bidRejectedSchema = z.object({
  auctionId: z.string().nullable(),
  tweetId: z.string(),
  handle: z.string(),
  reason: z.string(),
  message: z.string(),
  at: z.string(),
});
export const auctionClosedSchema = z.object({
  auctionId: z.string(),
  winner: z.object({ handle: z.string(), amountWei: wei, tweetId: z.string() }).nullable(),
  runnerUp: z.object({ handle: z.string(), amountWei: wei }).nullable(),
  at: z.string(),
});
export const auctionOpenedSchema = z.object({
  auctionId: z.string(),
  item: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
});
export const auctionUpdatedSchema = z.object({
  auctionId: z.string(),
  item: z.string(),
  status: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  bidCount: z.number().optional(),
  minNextWei: wei.optional(),
  ingestGraceSeconds: z.number().optional(),
});
/** As the chain declares it: no winner, or no NFT transfer, leaves nulls. */
export const auctionSettledSchema = z.object({
  auctionId: z.string(),
  winner: z.string().nullable(),
  txHash: z.string().nullable(),
});
export const walletLinkedSchema = z.object({
  handle: z.string(),
  xUserId: z.string(),
  address: z.string(),
  /** Not sent by the chain today; when it is, the reply goes to that tweet. */
  tweetId: z.string().optional(),
});
export const walletLinkRefusedSchema = z.object({
  tweetId: z.string(),
  handle: z.string(),
  reason: z.string(),
  message: z.string(),
});

export const fundsKeptSchema = z.object({
  tweetId: z.string(),
  handle: z.string(),
  keep: z.boolean(),
  ok: z.boolean(),
  message: z.string(),
});

export const eth = (amount: bigint) => `${formatEther(amount)} ETH`;

export const etTime = (iso: string) =>
  Temporal.Instant.from(iso).toLocaleString("en-US", {
    timeZone: TIME_ZONE,
    hour: "numeric",
    minute: "2-digit",
  }) + " ET";

const lower = (handle: string) => handle.toLowerCase();
const at = (handle: string) => (handle.startsWith("@") ? handle : `@${handle}`);

/** How waiting posts of one kind merge into one. */
export const SUMMARIES: Record<string, Summarize> = {
  ack: (rows) => {
    const last = rows.at(-1)!.payload as { handle: string; amount: string; item: string };
    return {
      text: `New leader on ${last.item}: ${last.handle} at ${last.amount} — ${rows.length} bids ` +
        `since our last update. Every bid is on the live stream.`,
      replyTo: rows.at(-1)!.replyTo,
    };
  },
  // The latest state is what matters to the person outbid or refused.
  outbid: (rows) => rows.at(-1)!,
  rejection: (rows) => rows.at(-1)!,
};

export interface NotifierOptions {
  bus: Bus;
  db: Db;
  clock: Clock;
  log: Log;
  hostHandle: string;
  publicUrl: string;
  /** The link page, for refusals that need a linked wallet. */
  linkUrl: string;
  remindLeadMinutes: number;
  /** A lot's item name from the auction (the `auctions` service), when this plugin has not seen it. */
  itemName?(auctionId: string): string | undefined;
  links: LinkTweets;
  /** Who asked to be reminded (`x_reminders` is that file's). */
  reminders: Reminders;
  enqueue(request: PostRequest): Promise<unknown>;
}

export interface Notifications {
  stop(): void;
  /** Resolves when no event is still being turned into posts. */
  idle(): Promise<void>;
}

export function startNotifications(o: NotifierOptions): Notifications {
  const facts = { hostHandle: o.hostHandle, linkUrl: o.linkUrl };
  /** A reply with what must survive clipping (a link) kept whole; the message gives way. */
  const fitted = (head: string, message: string, tail: string) => {
    const room = 280 - [...head].length - [...tail].length;
    return head + clip(message, Math.max(room, 20)) + tail;
  };
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

  const record = (row: {
    tweetId: string;
    kind: string;
    handle: string;
    auctionId?: string | null;
    amountWei?: bigint | null;
    reason?: string;
    message?: string;
    at: string;
  }) =>
    o.db.query(
      `insert into x_bid_history (tweet_id, kind, handle, auction_id, amount_wei, reason, message, at)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
      [
        row.tweetId,
        row.kind,
        at(row.handle),
        row.auctionId ?? null,
        row.amountWei ?? null,
        row.reason ?? null,
        row.message ?? null,
        row.at,
      ],
    );

  /** The X user id of a tweet read (for the link page, which binds the wallet to it). */
  const authorOf = async (tweetId: string) => {
    const [r] = await o.db.query<{ author_id: string }>(
      "select author_id from x_tweets where tweet_id = $1",
      [tweetId],
    );
    return r?.author_id;
  };

  /** The tweet that made `handle` the leader of `auctionId`, to reply to when they are outbid. */
  const leadingTweet = async (auctionId: string, handle: string) => {
    const [r] = await o.db.query<{ tweet_id: string }>(
      `select tweet_id from x_bid_history where kind = 'accepted' and auction_id = $1
          and lower(handle) = $2 order by amount_wei desc limit 1`,
      [auctionId, lower(at(handle))],
    );
    return r?.tweet_id;
  };

  const parse = <T>(schema: z.ZodType<T>, type: string, payload: unknown): T | undefined => {
    const r = schema.safeParse(payload);
    if (!r.success) {
      o.log.warn("event does not match the agreed shape", {
        event: type,
        issue: r.error.issues[0]?.message,
      });
      return undefined;
    }
    return r.data;
  };

  const inFlight = new Set<Promise<void>>();
  const on = (type: string, fn: (payload: unknown, eventAt: string) => Promise<void> | void) =>
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

  const offs = [
    on("auction.updated", (p) => {
      const a = parse(auctionUpdatedSchema, "auction.updated", p);
      if (!a) return;
      items.set(a.auctionId, a.item);
      if (a.status === "scheduled") scheduleReminder(a);
    }),
    on("auction.opened", async (p) => {
      const a = parse(auctionOpenedSchema, "auction.opened", p);
      if (!a) return;
      items.set(a.auctionId, a.item);
      await o.enqueue({
        key: `opened:${a.auctionId}:${a.startsAt}`,
        kind: "announcement",
        priority: "announcement",
        text: `Bidding is open: ${a.item}, until ${etTime(a.endsAt)}. Tweet ${
          at(o.hostHandle)
        } bid <amount> ETH — every bid shows on the live stream.`,
      });
    }),
    on("bid.submitted", async (p, eventAt) => {
      const b = p as { tweetId: string; handle: string; tweetAt: string };
      await record({
        tweetId: b.tweetId,
        kind: "submitted",
        handle: b.handle,
        at: b.tweetAt ?? eventAt,
      });
    }),
    on("bid.accepted", async (p) => {
      const b = parse(bidAcceptedSchema, "bid.accepted", p);
      if (!b) return;
      const item = itemOf(b.auctionId);
      // A bid a maximum answered at once: its bidder hears it from the outbid reply next.
      if (!b.leads) return;
      const prev = b.previousLeader && lower(b.previousLeader.handle) !== lower(b.handle)
        ? b.previousLeader
        : null;
      const outbidTweet = prev ? await leadingTweet(b.auctionId, prev.handle) : undefined;
      if (!b.proxy) await record({ ...b, kind: "accepted" });
      const entry = b.entryId ?? b.tweetId;
      const ack = b.proxy
        ? `${at(b.handle)} your maximum bid raised you to ${eth(b.amountWei)} on ${item}: you lead.`
        : b.max
        ? `${at(b.handle)} your maximum bid on ${item} is in: you lead at ${eth(b.amountWei)}. ` +
          `We raise it for you, by the minimum, whenever someone bids (your maximum stays unsaid).`
        : `${at(b.handle)} your bid of ${eth(b.amountWei)} on ${item} is in: you lead. ` +
          `Ends ${etTime(b.endsAt)} unless someone outbids you.`;
      await o.enqueue({
        key: `accepted:${entry}`,
        kind: "ack",
        priority: "ack",
        coalesceKey: `lead:${b.auctionId}`,
        replyTo: b.tweetId,
        text: withReceipt(ack, b.auctionId),
        payload: { handle: at(b.handle), amount: eth(b.amountWei), item },
      });
      if (prev) {
        const how = b.proxy ? "a maximum bid placed earlier answered yours: " : "";
        await o.enqueue({
          key: `outbid:${entry}:${lower(prev.handle)}`,
          kind: "outbid",
          priority: "outbid",
          coalesceKey: `outbid:${b.auctionId}:${lower(prev.handle)}`,
          replyTo: outbidTweet,
          text: `${at(prev.handle)} you've been outbid on ${item}: ${how}${at(b.handle)} leads ` +
            `with ${eth(b.amountWei)} (yours: ${eth(prev.amountWei)}). Bid again to take it back.`,
        });
      }
    }),
    on("bid.max-set", async (p) => {
      const m = parse(maxSetSchema, "bid.max-set", p);
      if (!m) return;
      const item = itemOf(m.auctionId);
      await o.enqueue({
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
    on("bid.rejected", async (p) => {
      const b = parse(bidRejectedSchema, "bid.rejected", p);
      if (!b) return;
      await record({ ...b, kind: "rejected" });
      // A duplicate is a tweet already decided and answered.
      if (b.reason === "duplicate") return;
      const userId = b.reason === "not_linked" ? await authorOf(b.tweetId) : undefined;
      const fix = fixFor(b.reason, { ...facts, handle: at(b.handle), userId });
      await o.enqueue({
        key: `rejected:${b.tweetId}`,
        kind: "rejection",
        priority: "rejection",
        coalesceKey: `rejected:${lower(b.handle)}`,
        replyTo: b.tweetId,
        text: withReceipt(
          fitted(
            `${at(b.handle)} bid not accepted: `,
            b.message.replace(/\.$/, "") + ".",
            fix ? ` ${fix}` : "",
          ),
          b.auctionId,
        ),
      });
    }),
    on("auction.closed", async (p) => {
      const c = parse(auctionClosedSchema, "auction.closed", p);
      if (!c) return;
      const item = itemOf(c.auctionId);
      if (c.winner) {
        await record({
          tweetId: c.winner.tweetId,
          kind: "won",
          handle: c.winner.handle,
          auctionId: c.auctionId,
          amountWei: c.winner.amountWei,
          at: c.at,
        });
        await o.enqueue({
          key: `won:${c.auctionId}`,
          kind: "won",
          priority: "winner",
          replyTo: c.winner.tweetId,
          text: `${at(c.winner.handle)} you won ${item} for ${eth(c.winner.amountWei)}! ` +
            `Settlement runs from your escrow deposit; the NFT goes to your linked wallet.`,
        });
      }
      if (c.runnerUp) {
        await o.enqueue({
          key: `runner-up:${c.auctionId}`,
          kind: "runner-up",
          priority: "outbid",
          replyTo: await leadingTweet(c.auctionId, c.runnerUp.handle),
          text: `${at(c.runnerUp.handle)} so close: you were runner-up on ${item} at ` +
            `${eth(c.runnerUp.amountWei)}. Your deposit is refunded or kept for the next auction.`,
        });
      }
      await o.enqueue({
        key: `results:${c.auctionId}`,
        kind: "results",
        priority: "winner",
        text: c.winner
          ? `SOLD: ${item} to ${at(c.winner.handle)} for ${eth(c.winner.amountWei)}.` +
            (c.runnerUp ? ` Runner-up: ${at(c.runnerUp.handle)}.` : "") + ` Thank you all!`
          : `${item} closed without a winner (no valid bid met the reserve).`,
      });
    }),
    on("auction.settled", async (p) => {
      const s = parse(auctionSettledSchema, "auction.settled", p);
      // No winner: auction.closed already said "closed without a winner"; refunds are not news.
      if (!s?.winner) return;
      await o.enqueue({
        key: `settled:${s.auctionId}`,
        kind: "settled",
        priority: "winner",
        text: s.txHash
          ? `${itemOf(s.auctionId)} is settled — it is ${at(s.winner)}'s now. ` +
            `Transaction: ${s.txHash}`
          : `${itemOf(s.auctionId)} is settled for ${at(s.winner)}.`,
      });
    }),
    // One reply per link tweet (key `link:<tweet>`): a re-read tweet that the chain now
    // refuses as replayed does not contradict the confirmation already posted.
    on("wallet.link-refused", async (p) => {
      const r = parse(walletLinkRefusedSchema, "wallet.link-refused", p);
      if (!r) return;
      const user = await o.links.authorOf(r.tweetId);
      await o.enqueue({
        key: `link:${r.tweetId}`,
        kind: "link-refused",
        priority: "rejection",
        replyTo: r.tweetId,
        // The page address must survive clipping; the reason gives way.
        text: fitted(
          `${at(r.handle)} wallet not linked: `,
          r.message.replace(/\.$/, "") + ".",
          ` To link: sign on ${linkPageFor(o.linkUrl, at(r.handle), user)} then tweet link <code>.`,
        ),
      });
    }),
    on("funds.kept", async (p) => {
      const k = parse(fundsKeptSchema, "funds.kept", p);
      if (!k) return;
      await o.enqueue({
        key: `keep:${k.tweetId}`,
        kind: "keep",
        priority: k.ok ? "ack" : "rejection",
        replyTo: k.tweetId,
        text: `${at(k.handle)} ${k.message}`,
      });
    }),
    on("wallet.linked", async (p) => {
      const w = parse(walletLinkedSchema, "wallet.linked", p);
      if (!w) return;
      const tweetId = w.tweetId ?? (await o.links.latestOf(w.handle))?.tweetId;
      await o.enqueue({
        key: tweetId ? `link:${tweetId}` : `linked:${lower(w.handle)}:${w.address.toLowerCase()}`,
        kind: "linked",
        priority: "ack",
        replyTo: tweetId,
        text: `${at(w.handle)} wallet ${w.address.slice(0, 6)}…${
          w.address.slice(-4)
        } is linked to your account. Deposit to escrow, then bid.`,
      });
    }),
  ];

  return {
    stop() {
      for (const off of offs) off();
      for (const cancel of reminders.values()) cancel();
    },
    async idle() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
}
