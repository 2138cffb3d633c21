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
import { xEmits, xEvents, xListens } from "./events.ts";
// Types only: the events it sends are owned by the plugins that need them.
import type {} from "../auction/mod.ts";
import type {} from "../chain/mod.ts";
import { howToBid } from "./help.ts";
import { outboxHealth, readsHealth, sourceHealth } from "./health.ts";
import { linkTweets } from "./link_tweets.ts";
import { startNotifications } from "./notifications.ts";
import type { PostRequest } from "./outbox.ts";
import { postWindows, startPosting } from "./posting.ts";
import { planPosts } from "./post_plan.ts";
import { startReading } from "./reading.ts";
import { questionGate } from "./question_limit.ts";
import { createReminders, resealReminders } from "./reminders.ts";
import { resolveLimits } from "./tier_limits.ts";

export type { PostRequest, Priority } from "./outbox.ts";
export type { HelpPublished, XEvents } from "./events.ts";
export { type XConfig, xConfigSchema } from "./config.ts";
// X's published limits, one file: the fake X enforces these very numbers.
export { LIMITS_SOURCE, type Tier, TIER_LIMITS, type TierLimits } from "./tier_limits.ts";

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
    /**
     * A local stand-in for the X API (the `fake-x` plugin provides it, for the demo): where it
     * answers. Declared here, by the plugin that reads from it, so the stand-in can import X's
     * limits from this face without a cycle.
     */
    "fake-x": { url: string };
  }
}

export default definePlugin({
  name: "x",
  config: xConfigSchema,
  events: xEvents,
  emits: xEmits,
  listens: xListens,
  provides: ["x"],
  // Tweets are marked handled once the auction (when listed) has decided them.
  needs: ["auctions?", "fake-x?"],
  migrations: new URL("./migrations/", import.meta.url),
  check: ({ config, timeoutMs, query }) => checkX(config, timeoutMs, query),
  // Who asked to be reminded, sealed at rest (reminders.ts); the engine runs it at start.
  reseal: resealReminders,
  setup({ bus, clock, config, db, log, metrics, http, provide, health, use, state, secrets }) {
    const facts = factsOf(config);
    const { hostHandle } = facts;
    const { api, baseUrl, streamToken } = connectX(config, use("fake-x")?.url);
    const tier = resolveLimits(config.tier, config.limits);
    log.info("X source", { baseUrl, tier: config.tier, hostHandle, source: config.source });

    const account = hostAccount({ api, handle: hostHandle, clock, log });
    const links = linkTweets(db);
    const reminders = createReminders(db, clock, secrets, log.child("reminders"));
    const plan = planPosts(bus, clock);
    const shared = { bus, db, api, clock, config, tier, account, links, reminders, plan };
    const posting = startPosting({ ...shared, log: log.child("outbox"), metrics });
    const onTweet = tweetCommands({
      ...shared,
      facts,
      metrics,
      enqueue: posting.enqueue,
      mayAsk: questionGate(state, config.questionLimit, () => clock.instant().epochMilliseconds),
    });
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
    health("reads", readsHealth(config, tier, reading));
    health("outbox", outboxHealth(posting.outbox, plan, postWindows(config, tier)));

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
      for (const off of [offHelp, plan.stop, notifications.stop]) off();
      // Let a read or post under way finish, so its row is written before storage closes.
      await Promise.all([reading.stop(), posting.stop(), notifications.idle()]);
    };
  },
});
