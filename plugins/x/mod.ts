/**
 * x: the X (Twitter) plugin. Reads the host's mentions once each, in tweet
 * order; turns them into commands on the bus (`bid.submitted`, …); reports how
 * far it has read (`tweets.read-through`); and posts every reply and
 * announcement through a persistent, budgeted, prioritised outbox.
 * This file is the wiring: declare, connect, return; the work is in the named
 * files (reading.ts, posting.ts, commands.ts, notifications.ts, health.ts).
 * See README.md.
 */
import { definePlugin } from "../../core/plugin.ts";
import { hostAccount } from "./account.ts";
import { mountBidderPage } from "./bidder_page.ts";
import { checkX } from "./check.ts";
import { connectX } from "./connect.ts";
import { tweetCommands } from "./commands.ts";
import { factsOf, xConfigSchema } from "./config.ts";
import { bidSubmittedSchema, type XEvents, xEvents } from "./events.ts";
import { howToBid } from "./help.ts";
import { outboxHealth, readsHealth, sourceHealth } from "./health.ts";
import { linkTweets } from "./link_tweets.ts";
import { startNotifications } from "./notifications.ts";
import type { PostRequest } from "./outbox.ts";
import { startPosting } from "./posting.ts";
import { startReading } from "./reading.ts";
import { createReminders } from "./reminders.ts";
import { resolveLimits } from "./tier_limits.ts";
// Types only: the `fake-x` service (the demo's stand-in for X) is declared by its plugin.
import type {} from "../../stand-ins/fake-x/mod.ts";

export type { PostRequest, Priority } from "./outbox.ts";
export { type XConfig, xConfigSchema } from "./config.ts";

declare module "../../core/bus.ts" {
  interface Events extends XEvents {
    "bid.submitted": {
      tweetId: string;
      authorId?: string;
      handle: string;
      text: string;
      tweetAt: string;
      /** When the source read it; sources that cannot tell (rehearsals, admin entry) leave it out. */
      receivedAt?: string;
      /** X's `edit_history_tweet_ids` of an edited tweet, oldest first: an edit is never a second bid. */
      editHistory?: string[];
    };
    /** Keep (or stop keeping) a bidder's unspent escrow for the next auction instead of a refund. */
    "funds.keep-requested": { tweetId: string; authorId?: string; handle: string; keep: boolean };
  }
}

/** What other plugins may ask of this one. */
export interface XService {
  /** Queues a post (once per key); it goes out as the budget and its priority allow. */
  post(request: PostRequest): Promise<boolean>;
  /** Posts used per window of the tier. */
  usage(): Promise<Array<{ limit: number; windowMs: number; used: number }>>;
  /** The newest tweet time read in full, if any. */
  readThrough(): string | undefined;
  /** Resolves when no read or post is in flight and none is due now (tests, shutdown). */
  idle(): Promise<void>;
}

declare module "../../core/plugin.ts" {
  interface Services {
    x: XService;
  }
}

export default definePlugin({
  name: "x",
  config: xConfigSchema,
  provides: ["x"],
  // Tweets are marked handled once the auction (when listed) has decided them.
  needs: ["auctions?", "fake-x?"],
  migrations: new URL("./migrations/", import.meta.url),
  check: ({ config, timeoutMs }) => checkX(config, timeoutMs),
  setup({ bus, clock, config, db, log, metrics, http, provide, health, use }) {
    bus.declare("bid.submitted", bidSubmittedSchema);
    for (const [type, schema] of Object.entries(xEvents)) {
      bus.declare(type as keyof XEvents, schema as never);
    }

    const facts = factsOf(config);
    const { hostHandle } = facts;
    const { api, baseUrl, streamToken } = connectX(config, use("fake-x")?.url);
    const tier = resolveLimits(config.tier, config.limits);
    log.info("X source", { baseUrl, tier: config.tier, hostHandle, source: config.source });

    const account = hostAccount({ api, handle: hostHandle, clock, log });
    const links = linkTweets(db);
    const reminders = createReminders(db, clock);
    const shared = { bus, db, api, clock, config, tier, account, links, reminders };
    const posting = startPosting({ ...shared, log: log.child("outbox"), metrics });
    const onTweet = tweetCommands({ ...shared, facts, metrics, enqueue: posting.enqueue });
    // The `auctions` service as far as the reader needs it (declared by the auction).
    const auctions = () =>
      use("auctions") as
        | { idle(): Promise<void>; get(id: string): { item: string } | null }
        | undefined;
    const reading = startReading({
      ...shared,
      log,
      hostHandle,
      baseUrl,
      streamToken,
      onTweet,
      settled: () => auctions()?.idle() ?? Promise.resolve(),
    });
    const notifications = startNotifications({
      ...shared,
      ...facts,
      log: log.child("notify"),
      remindLeadMinutes: config.remindLeadMinutes,
      itemName: (id) => auctions()?.get(id)?.item,
      enqueue: posting.enqueue,
    });

    mountBidderPage(http, db);
    // The ticker's how-to-bid, once every plugin listens.
    const offHelp = bus.on("engine.started", () => {
      bus.emit("help.published", { lines: howToBid(facts), hostHandle, linkUrl: facts.linkUrl });
    });
    health("source", sourceHealth(config, account, reading));
    health("reads", readsHealth(config, tier.monthlyReads, reading));
    health("outbox", outboxHealth(posting.outbox));

    provide("x", {
      post: posting.enqueue,
      usage: () => posting.outbox.usage(),
      readThrough: reading.readThrough,
      async idle() {
        for (let i = 0; i < 2; i++) {
          await reading.idle();
          await notifications.idle();
          await posting.idle();
        }
      },
    });

    return async () => {
      offHelp();
      notifications.stop();
      // Let a read or post under way finish, so its row is written before storage closes.
      await Promise.all([reading.stop(), posting.stop(), notifications.idle()]);
    };
  },
});
