/**
 * The posting half: the outbox (`outbox.ts`, table `x_outbox`) over the tier's posting windows
 * (or the operator's `postLimits`), and the wake loop that dispatches it once the account is
 * known. `enqueue` wakes the loop for a fresh post (unless its priority waits past now: the
 * loop comes back for it then); a refusal for good goes on the bus as
 * `x.post-failed` (the panel shows it).
 */
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { HostAccount } from "./account.ts";
import type { XConfig } from "./config.ts";
import { SUMMARIES } from "./notifications.ts";
import type { PostPlan } from "./post_plan.ts";
import { createOutbox, type Outbox, type PostRequest } from "./outbox.ts";
import { type TierLimits, windowIntervalMs } from "./tier_limits.ts";
import { createWakeLoop } from "./wake_loop.ts";
import type { XApi } from "./x_api.ts";

export interface Posting {
  outbox: Outbox;
  enqueue(request: PostRequest): Promise<boolean>;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startPosting(o: {
  bus: Bus;
  db: Db;
  api: XApi;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  config: XConfig;
  tier: TierLimits;
  account: HostAccount;
  plan?: PostPlan;
}): Posting {
  const postsSent = o.metrics.counter("sothebais_x_posts_total", "Posts sent, by kind");
  const postDelay = o.metrics.summary(
    "sothebais_x_post_delay_seconds",
    "From queueing a post (the decision) to X accepting it",
  );
  const outbox = createOutbox({
    db: o.db,
    api: o.api,
    clock: o.clock,
    log: o.log,
    accountId: () => o.account.get()?.id,
    windows: postWindows(o.config, o.tier),
    summaries: SUMMARIES,
    onSent: (s) => {
      postsSent.inc(1, { kind: s.kind });
      postDelay.observe(s.delayMs / 1000);
    },
    onFailed: (f) =>
      o.bus.emit("x.post-failed", { key: f.key, kind: f.kind, reason: f.reason.slice(0, 500) }),
    // The own timeline is read at its window's even pace (Basic: 5 per 15 min).
    reconcileRetryMs: Math.max(5_000, windowIntervalMs(o.tier.ownTweets)),
    planned: o.plan?.reserveFor,
    perHandle: {
      posts: o.config.perHandle.posts,
      windowMs: o.config.perHandle.windowSeconds * 1000,
      priorities: ["rejection", "answer"],
    },
  });
  const loop = o.config.post
    ? createWakeLoop(o.clock, o.log, async () => {
      if (!(await o.account.resolve())) return o.account.retryAt();
      return (await outbox.dispatch()).nextAt;
    }, { resumeWhen: () => o.db.down() })
    : undefined;
  loop?.kick();
  return {
    outbox,
    async enqueue(request) {
      const fresh = await outbox.enqueue(request);
      if (fresh && !outbox.waitsFor(request.priority)) loop?.kick();
      return fresh;
    },
    idle: async () => await loop?.idle(),
    async stop() {
      loop?.stop();
      await loop?.idle();
    },
  };
}

/** The posting windows: the operator's `postLimits`, else the tier's (with `limits.posts`). */
export function postWindows(config: XConfig, tier: TierLimits) {
  return config.postLimits?.map((w) => ({ limit: w.limit, windowMs: w.windowSeconds * 1000 })) ??
    tier.posts;
}
