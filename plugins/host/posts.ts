/**
 * The host on X: a teaser before, the opening, leader updates and the last
 * minutes during, the result after, and answers to a few viewer questions.
 * Invariants: every post is a checked line (the guard, as for the stream);
 * posts go only through the x service's outbox (`post`), as "announcement" or
 * "chatter" — below bid replies — with idempotent keys; answers are chosen
 * (a real question, at most `answersPerHour`, one per handle per
 * `perHandleMinutes`) and never quote the viewer; leader updates at most one
 * per `leaderEveryMinutes`. Without the x service, posts are only printed
 * (`host.posted` with `queued: false`), as in rehearsals.
 */
import type { AnyEvent, Bus } from "../../core/bus.ts";
import type { Cancel, Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { Auctions } from "../auction/mod.ts";
import type { XService } from "../x/mod.ts";
import { recordLine } from "./memory.ts";
import type { Task } from "./scripted.ts";
import type { HostShow } from "./show.ts";

export interface PostsConfig {
  enabled: boolean;
  answersPerHour: number;
  perHandleMinutes: number;
  leaderEveryMinutes: number;
}

export interface PostsDeps {
  bus: Bus;
  auctions: Auctions;
  clock: Clock;
  db: Db;
  log: Log;
  x: XService | undefined;
  show: HostShow;
  config: PostsConfig;
}

/**
 * One post: composed and checked (the show's compose), at most once per key across restarts,
 * queued in the x service's outbox, announced (`host.posted`) and recorded.
 */
function hostPoster(d: PostsDeps) {
  const { bus, clock, show } = d;
  return async (
    task: Task,
    key: string,
    priority: "announcement" | "chatter",
    replyTo?: string,
  ) => {
    if (show.onceSaid(`post:${key}`)) return;
    const c = await show.compose(task);
    if (!c) return;
    show.markOnce(`post:${key}`);
    let queued = false;
    if (d.x) {
      try {
        queued = await d.x.post({
          key: `host:${key}`,
          kind: `host.${task.kind}`,
          priority,
          text: c.text,
          ...(replyTo ? { replyTo } : {}),
        });
      } catch (error) {
        d.log.warn("could not queue a host post", { error, key });
        return;
      }
    }
    d.log.info("host posted", { text: c.text, version: c.version, queued });
    bus.emit("host.posted", {
      text: c.text,
      key: `host:${key}`,
      version: c.version,
      queued,
      priority,
    });
    await recordLine(d.db, {
      at: clock.instant(),
      campaignId: c.facts.campaign?.id ?? null,
      auctionId: c.facts.lot?.auctionId ?? null,
      kind: task.kind,
      outcome: "posted",
      source: c.source,
      text: c.text,
      version: c.version,
      handle: task.asker ?? null,
      onceKey: `post:${key}`,
    }).catch((error) => d.log.warn("could not record a post", { error }));
  };
}

/** A real question (a `?`, at most 280 characters), within the hour's and the handle's budget. */
function answerChooser(clock: Clock, config: PostsConfig) {
  const answered: Temporal.Instant[] = [];
  const byHandle = new Map<string, Temporal.Instant>();
  return (handle: string, text: string) => {
    const now = clock.instant();
    const hourAgo = now.subtract({ hours: 1 });
    while (answered.length && Temporal.Instant.compare(answered[0], hourAgo) < 0) answered.shift();
    if (answered.length >= config.answersPerHour) return false;
    if (!text.includes("?") || text.length > 280) return false;
    const last = byHandle.get(handle.toLowerCase());
    if (
      last && Temporal.Instant.compare(last, now.subtract({ minutes: config.perHandleMinutes })) > 0
    ) return false;
    answered.push(now);
    byHandle.set(handle.toLowerCase(), now);
    return true;
  };
}

export function startPosts(d: PostsDeps): { stop(): void } {
  const { bus, clock, config } = d;
  if (!config.enabled) return { stop() {} };
  let lastLeader: Temporal.Instant | null = null;
  let leaderPosts = 0;
  /** The last-5-minutes post of each open lot. */
  const lastCalls = new Map<string, Cancel>();

  const post = hostPoster(d);
  const mayAnswer = answerChooser(clock, config);

  const lastCall = (auctionId: string) =>
    post({ kind: "tweet.last", auctionId }, `last:${auctionId}`, "announcement")
      .catch((error) => d.log.warn("host post failed", { error }));
  /** `catchUp` (at start): a mark passed while the engine was down is posted now, if still true. */
  const armLastCall = (auctionId: string, endsAt: string, catchUp = false) => {
    lastCalls.get(auctionId)?.();
    const at = Temporal.Instant.from(endsAt).subtract({ minutes: 5 });
    const now = clock.instant();
    if (Temporal.Instant.compare(at, now) <= 0) {
      if (catchUp && Temporal.Instant.compare(Temporal.Instant.from(endsAt), now) > 0) {
        void lastCall(auctionId);
      }
      return;
    }
    lastCalls.set(
      auctionId,
      clock.at(at, () => lastCall(auctionId)),
    );
  };

  const on = (e: AnyEvent) => {
    switch (e.type) {
      case "campaign.phase": {
        const p = e.payload;
        if (p.phase === "pre-auction") {
          return post(
            { kind: "tweet.teaser", auctionId: p.auctionId },
            `teaser:${p.auctionId}`,
            "announcement",
          );
        }
        return;
      }
      case "auction.opened": {
        const p = e.payload;
        armLastCall(p.auctionId, p.endsAt);
        return post(
          { kind: "tweet.opened", auctionId: p.auctionId },
          `opened:${p.auctionId}`,
          "announcement",
        );
      }
      case "auction.extended":
        return armLastCall(e.payload.auctionId, e.payload.endsAt);
      case "bid.accepted": {
        const p = e.payload;
        if (p.leads === false) return;
        const now = clock.instant();
        if (
          lastLeader &&
          Temporal.Instant.compare(now, lastLeader.add({ minutes: config.leaderEveryMinutes })) < 0
        ) return;
        lastLeader = now;
        return post(
          { kind: "tweet.leader", auctionId: p.auctionId },
          `leader:${p.auctionId}:${++leaderPosts}`,
          "chatter",
        );
      }
      case "auction.closed": {
        const { auctionId } = e.payload;
        lastCalls.get(auctionId)?.();
        return post({ kind: "tweet.result", auctionId }, `result:${auctionId}`, "announcement");
      }
      case "host.question": {
        const p = e.payload;
        const handle = String(p.handle ?? "");
        const text = String(p.text ?? "");
        if (!/^@\w{1,15}$/.test(handle) || !/^\d{1,20}$/.test(String(p.tweetId))) return;
        if (!mayAnswer(handle, text)) return;
        return post(
          { kind: "answer", asker: handle, question: text },
          `answer:${p.tweetId}`,
          "chatter",
          String(p.tweetId),
        );
      }
    }
  };
  const off = bus.on(
    "*",
    (e) => void Promise.resolve(on(e)).catch((error) => d.log.warn("host post failed", { error })),
  );
  // After a restart: what is still due for the lots on the block. Each post is once per auction
  // (its key in the records), so nothing said before the restart is posted again.
  const catchUp = clock.after(0, () => {
    for (const a of d.auctions.list()) {
      if (a.status !== "open") continue;
      void post(
        { kind: "tweet.opened", auctionId: a.auctionId },
        `opened:${a.auctionId}`,
        "announcement",
      )
        .catch((error) => d.log.warn("host post failed", { error }));
      armLastCall(a.auctionId, a.endsAt, true);
    }
  });
  return {
    stop() {
      off();
      catchUp();
      for (const cancel of lastCalls.values()) cancel();
    },
  };
}
