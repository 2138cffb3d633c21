/**
 * x: the X (Twitter) plugin. Reads the host's mentions once each, in tweet
 * order; turns them into commands on the bus (`bid.submitted`, …); reports how
 * far it has read (`tweets.read-through`); and posts every reply and
 * announcement through a persistent, budgeted, prioritised outbox.
 * See README.md.
 */
import { z } from "zod";
import { nyString } from "../../core/clock.ts";
import { definePlugin } from "../../core/plugin.ts";
import { mountBidderPage } from "./bidder_page.ts";
import { linkTweets } from "./link_tweets.ts";
import {
  createMentionReader,
  createSerial,
  DEFAULT_INGEST_LAG_MS,
  type MentionReader,
  type StoredTweet,
} from "./mention_reader.ts";
import {
  type AuctionTimes,
  DEGRADE_ORDER,
  degradeLevel,
  nextPhaseChange,
  nextReadDelay,
  phaseAt,
  type PolledSource,
} from "./read_planner.ts";
import { createReadUsage, describeProjection, type Projection } from "./read_usage.ts";
import { type MentionStream, startMentionStream } from "./mention_stream.ts";
import { createCloseSweep } from "./close_sweep.ts";
import { auctionUpdatedSchema, startNotifications, SUMMARIES } from "./notifications.ts";
import { createOutbox, type PostRequest } from "./outbox.ts";
import { parseCommand } from "./parse_command.ts";
import { limitsOverrideSchema, resolveLimits, windowIntervalMs } from "./tier_limits.ts";
import { xEvents } from "./events.ts";
// Types only: the events it sends are owned by the plugins that need them.
import type {} from "../auction/mod.ts";
import type {} from "../chain/mod.ts";
import { helpReply, howToBid, linkPageFor, notBidReply } from "./help.ts";
import { createWakeLoop, type WakeLoop } from "./wake_loop.ts";
import { createXApi, type RateLimit } from "./x_api.ts";
import { checkX } from "./check.ts";
// Types only: the `fake-x` service (the demo's stand-in for X) is declared by its plugin.
import type {} from "../fake-x/mod.ts";

export type { PostRequest, Priority } from "./outbox.ts";
export type { HelpPublished, XEvents } from "./events.ts";

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

const configSchema = z.object({
  /** X_HOST_HANDLE: the host account, with or without `@`. */
  hostHandle: z.string().regex(/^@?\w{1,15}$/).default("SothebAIs"),
  /** X_TIER */
  tier: z.enum(["free", "basic", "pro", "pay-per-use"]).default("basic"),
  apiKey: z.string().optional(),
  apiSecret: z.string().optional(),
  accessToken: z.string().optional(),
  accessSecret: z.string().optional(),
  bearerToken: z.string().optional(),
  /** X_API_BASE_URL; unset: api.x.com with credentials, the listed `fake-x` plugin without. */
  baseUrl: z.string().url().optional(),
  /** Use the filtered stream when the tier has it (Pro): mentions within a second. */
  stream: z.boolean().default(true),
  /** Read the `mentions` timeline or recent `search` for the handle. */
  source: z.enum(["mentions", "search"]).default("mentions"),
  /** With `source: mentions`, also read recent search for the handle (the planner's second source). */
  search: z.boolean().default(true),
  /** The campaign's expected mentions a day: the month's projection until a day is observed. */
  expectedMentionsPerDay: z.number().int().min(0).max(100_000_000).optional(),
  read: z.boolean().default(true),
  post: z.boolean().default(true),
  /** First run: also read mentions tweeted before the plugin ever ran. */
  backfill: z.boolean().default(false),
  ingestLagMs: z.number().int().min(0).default(DEFAULT_INGEST_LAG_MS),
  /** Shortest pause between reads, whatever the headers allow. */
  minPollMs: z.number().int().min(0).default(1000),
  /** Any of the tier's published numbers replaced (`tier_limits.ts`), e.g. a contract's. */
  limits: limitsOverrideSchema.default({}),
  /** Overrides the tier's posting windows (e.g. a spend cap for pay-per-use); wins over `limits.posts`. */
  postLimits: z.array(
    z.object({ limit: z.number().int().positive(), windowSeconds: z.number().positive() }),
  ).optional(),
  /** Where `/bidders/:handle` and the bid receipts are public, for replies. */
  publicUrl: z.string().url().default("http://127.0.0.1:8000"),
  /** The link page bidders sign on; default `<publicUrl>/link` (the chain plugin's page). */
  linkUrl: z.string().url().optional(),
  /** Before an auction closes: search the last minutes of it for mentions the timeline missed. */
  sweepMinutes: z.number().min(0).max(60).default(10),
  remindLeadMinutes: z.number().min(0).default(15),
});

export type XConfig = z.output<typeof configSchema>;
/** The config schema, for tests of its validation. */
export const xConfigSchema = configSchema;

/** How far recent search's read-through trails the read (X's default end_time, now − 30 s). */
const SEARCH_LAG_MS = 30_000;

/** How often an inactive source asks the planner again (besides every phase change). */
const PHASE_RECHECK_MS = 30_000;

/** What the read planner needs of `auction.updated` (the auction declares the event). */
const auctionTimesSchema = z.object({
  auctionId: z.string(),
  status: z.string(),
  endsAt: z.string().refine((v) => Number.isFinite(Date.parse(v))),
  extensionWindowSeconds: z.number().int().min(0).max(86_400).optional(),
  ingestGraceSeconds: z.number().min(0).max(86_400).optional(),
  maxEndsAt: z.string().refine((v) => Number.isFinite(Date.parse(v))).optional(),
});

export default definePlugin({
  name: "x",
  config: configSchema,
  events: xEvents,
  emits: [
    "tweet.received",
    "bid.submitted",
    "tweets.read-through",
    "wallet.link-requested",
    "host.question",
    "funds.keep-requested",
    "help.published",
    "x.post-failed",
  ],
  listens: [
    "engine.started",
    "auction.updated",
    "auction.opened",
    "bid.submitted",
    "bid.accepted",
    "bid.max-set",
    "bid.rejected",
    "auction.closed",
    "auction.settled",
    "wallet.linked",
    "wallet.link-refused",
    "funds.kept",
  ],
  provides: ["x"],
  // Tweets are marked handled once the auction (when listed) has decided them.
  needs: ["auctions?", "fake-x?"],
  migrations: new URL("./migrations/", import.meta.url),
  check: ({ config, timeoutMs }) => checkX(config, timeoutMs),
  setup({ bus, clock, config, db, log, metrics, http, provide, health, use }) {
    const hostHandle = `@${config.hostHandle.replace(/^@/, "")}`;
    const publicUrl = config.publicUrl.replace(/\/+$/, "");
    const facts = { hostHandle, linkUrl: config.linkUrl ?? `${publicUrl}/link` };
    const hasCredentials = Boolean(config.apiKey || config.bearerToken);
    const baseUrl = config.baseUrl ?? (hasCredentials ? "https://api.x.com" : use("fake-x")?.url);
    if (!baseUrl) {
      throw new Error(
        "x: no X credentials (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET) and no fake X: set them, or list the fake-x plugin for a demo",
      );
    }
    // Without credentials the target is the local fake, which checks only the header's form.
    const api = createXApi(
      baseUrl,
      hasCredentials ? config : {
        apiKey: "local",
        apiSecret: "local",
        accessToken: "local",
        accessSecret: "local",
      },
    );
    const tier = resolveLimits(config.tier, config.limits);
    const windows = config.postLimits?.map((w) => ({
      limit: w.limit,
      windowMs: w.windowSeconds * 1000,
    })) ?? tier.posts;
    log.info("X source", { baseUrl, tier: config.tier, hostHandle, source: config.source });

    const tweetsRead = metrics.counter("sothebais_x_tweets_read_total", "Mentions read");
    const postsSent = metrics.counter("sothebais_x_posts_total", "Posts sent, by kind");
    const postDelay = metrics.summary(
      "sothebais_x_post_delay_seconds",
      "From queueing a post (the decision) to X accepting it",
    );

    let account: { id: string; handle: string } | undefined;
    let accountError: string | undefined;
    let accountFailures = 0;
    let resolving: Promise<boolean> | undefined;
    /** Resolves the host account id once (X may be unreachable at start); callers share a try. */
    const resolveAccount = () => {
      if (account) return Promise.resolve(true);
      resolving ??= api.account(hostHandle).then((found) => {
        account = found;
        accountError = undefined;
        log.info("X account", account);
        return true;
      }, (error) => {
        accountError = (error as Error).message;
        accountFailures++;
        return false;
      }).finally(() => resolving = undefined);
      return resolving;
    };
    const accountRetryAt = () =>
      clock.instant().add({
        milliseconds: Math.min(60_000, 1000 * 2 ** Math.min(6, accountFailures)),
      });

    // ---- posting --------------------------------------------------------------

    const outbox = createOutbox({
      db,
      api,
      clock,
      log: log.child("outbox"),
      accountId: () => account?.id,
      windows,
      summaries: SUMMARIES,
      onSent: (s) => {
        postsSent.inc(1, { kind: s.kind });
        postDelay.observe(s.delayMs / 1000);
      },
      onFailed: (f) =>
        bus.emit("x.post-failed", { key: f.key, kind: f.kind, reason: f.reason.slice(0, 500) }),
      // The own timeline is read at its window's even pace (Basic: 5 per 15 min).
      reconcileRetryMs: Math.max(5_000, windowIntervalMs(tier.ownTweets)),
    });
    let postLoop: WakeLoop | undefined;
    const enqueue = async (request: PostRequest) => {
      const fresh = await outbox.enqueue(request);
      if (fresh) postLoop?.kick();
      return fresh;
    };
    if (config.post) {
      postLoop = createWakeLoop(clock, log.child("outbox"), async () => {
        if (!(await resolveAccount())) return accountRetryAt();
        return (await outbox.dispatch()).nextAt;
      });
      postLoop.kick();
    }

    // ---- commands in tweets ----------------------------------------------------

    const reply = (t: StoredTweet, kind: string, priority: PostRequest["priority"], text: string) =>
      enqueue({
        key: `${kind}:${t.id}`,
        kind,
        priority,
        replyTo: t.id,
        text: `${t.handle} ${text}`,
      });

    const links = linkTweets(db);
    const onTweet = async (t: StoredTweet) => {
      if (account && t.authorId === account.id) return;
      tweetsRead.inc();
      const tweetAt = nyString(Temporal.Instant.from(t.createdAt));
      bus.emit("tweet.received", {
        tweetId: t.id,
        authorId: t.authorId,
        handle: t.handle,
        text: t.text,
        createdAt: tweetAt,
      });
      const command = parseCommand(t.text, hostHandle, Boolean(t.quotes));
      switch (command.kind) {
        case "bid":
          bus.emit("bid.submitted", {
            tweetId: t.id,
            authorId: t.authorId,
            handle: t.handle,
            text: t.text,
            tweetAt,
            receivedAt: nyString(t.receivedAt),
            ...(t.editHistory ? { editHistory: t.editHistory } : {}),
          });
          break;
        case "not-bid":
          await reply(t, "not-bid", "rejection", notBidReply(command.why, command.hint, facts));
          break;
        case "link-help":
          await reply(
            t,
            "malformed",
            "rejection",
            `to link a wallet, sign on ${
              linkPageFor(facts.linkUrl, t.handle, t.authorId)
            } then tweet: link <code> (the code from the page)`,
          );
          break;
        case "link":
          // Recorded before the emit: the chain's `wallet.linked` names no tweet; its reply finds this.
          await links.record({
            tweetId: t.id,
            handle: t.handle,
            authorId: t.authorId,
            createdAt: tweetAt,
          });
          bus.emit("wallet.link-requested", {
            tweetId: t.id,
            authorId: t.authorId,
            handle: t.handle,
            proof: command.proof,
          });
          break;
        case "question":
          bus.emit("host.question", { tweetId: t.id, handle: t.handle, text: command.text });
          break;
        case "keep":
          bus.emit("funds.keep-requested", {
            tweetId: t.id,
            authorId: t.authorId,
            handle: t.handle,
            keep: command.keep,
          });
          break;
        case "history":
          await reply(
            t,
            "history",
            "ack",
            `your bids: ${publicUrl}/bidders/${t.handle.slice(1)}`,
          );
          break;
        case "remind":
        case "stop":
          await db.query(
            `insert into x_reminders (handle, author_id, active, updated_at) values ($1, $2, $3, $4)
             on conflict (handle) do update set active = $3, updated_at = $4, author_id = $2`,
            [t.handle.toLowerCase(), t.authorId, command.kind === "remind", clock.instant()],
          );
          await reply(
            t,
            command.kind,
            "ack",
            command.kind === "remind"
              ? "you'll get a reminder before the next auction opens. Tweet stop to opt out."
              : "reminders are off. Tweet remind to turn them back on.",
          );
          break;
        case "help":
          await reply(t, "help", "ack", helpReply(facts));
          break;
      }
    };

    // ---- reading --------------------------------------------------------------

    // One reader per read endpoint, each with its own since_id, under one storing lock: a
    // tweet two sources (or the stream) return is stored and emitted once.
    const serial = createSerial();
    const usage = createReadUsage({ db, clock, cap: tier.monthlyReads });
    const polled: PolledSource[] = config.source === "search"
      ? ["search"]
      : config.search
      ? ["mentions", "search"]
      : ["mentions"];
    const primary = polled[0];
    const readers = new Map<PolledSource, MentionReader>();
    const anyReader = () => readers.get(primary) ?? [...readers.values()][0];
    const auctionTimes = new Map<string, AuctionTimes>();
    let degrade = 0;
    let readThisMonth = 0;
    let projection: Projection | undefined;
    let readThrough: string | undefined;
    let reported: Temporal.Instant | undefined;
    const windowOf = (s: PolledSource) => s === "mentions" ? tier.mentions : tier.search;
    /** The planner's pause before `s` is read again; undefined: not in this phase. */
    const plan = (s: PolledSource, rateLimit?: RateLimit) => {
      const now = clock.instant().epochMilliseconds;
      const { phase, until } = phaseAt(now, auctionTimes.values());
      return nextReadDelay({
        source: s,
        extra: s !== primary,
        now,
        phase,
        hotUntil: until,
        window: { ...windowOf(s), remaining: rateLimit?.remaining, resetAt: rateLimit?.resetAt },
        minMs: config.minPollMs,
        degrade,
      });
    };
    // The mentions timeline drops tweets now and then; reading by search needs no sweep.
    const sweep = config.sweepMinutes > 0 && config.source === "mentions"
      ? createCloseSweep({
        api,
        hostHandle,
        sweepMinutes: config.sweepMinutes,
        log: log.child("sweep"),
        now: () => clock.instant().epochMilliseconds,
        ingest: async (t) => {
          await usage.count([t.id]);
          await anyReader()!.ingest(t);
        },
      })
      : undefined;
    const loops = new Map<PolledSource, WakeLoop>();
    const offTrack = bus.on("auction.updated", (e) => {
      const a = auctionUpdatedSchema.safeParse(e.payload);
      if (a.success) sweep?.track(a.data);
      const t = auctionTimesSchema.safeParse(e.payload);
      if (!t.success) return;
      const before = phaseAt(clock.instant().epochMilliseconds, auctionTimes.values()).phase;
      auctionTimes.set(t.data.auctionId, {
        status: t.data.status,
        endsAt: Date.parse(t.data.endsAt),
        extensionWindowSeconds: t.data.extensionWindowSeconds ?? 0,
        ingestGraceSeconds: t.data.ingestGraceSeconds ?? 0,
        ...(t.data.maxEndsAt ? { maxEndsAt: Date.parse(t.data.maxEndsAt) } : {}),
      });
      if (t.data.status === "closed" || t.data.status === "cancelled") {
        auctionTimes.delete(t.data.auctionId);
      }
      const after = phaseAt(clock.instant().epochMilliseconds, auctionTimes.values()).phase;
      if (after !== before) { for (const loop of loops.values()) loop.kick(); }
    });
    let stream: MentionStream | undefined;
    let streamTried = 0;
    let stopped = false;
    // The stream needs an app-only token; the local fake accepts any.
    const streamToken = config.bearerToken ?? (hasCredentials ? undefined : "local-fake-x");
    const wantStream = config.stream && Boolean(tier.stream) && Boolean(streamToken);
    const openStream = async () => {
      if (!wantStream || stream || !anyReader()) return;
      if (Date.now() - streamTried < 60_000) return;
      streamTried = Date.now();
      try {
        const s = await startMentionStream({
          baseUrl,
          bearerToken: streamToken!,
          hostHandle,
          log: log.child("stream"),
          onTweet: (t) => {
            usage.count([t.id]).then(() => anyReader()?.ingest(t)).catch((error) =>
              log.error("stream tweet failed", { error })
            );
          },
          // Backfill from the timeline: what the stream missed while down, the next read finds.
          onGap: () => loops.get(primary)?.kick(),
        });
        if (stopped) s.stop();
        else stream = s;
        log.info("filtered stream connected");
      } catch (error) {
        log.warn("filtered stream unavailable; polling only", {
          error: (error as Error).message,
        });
      }
    };
    const readerFor = (s: PolledSource) => {
      let reader = readers.get(s);
      if (reader) return reader;
      reader = createMentionReader({
        db,
        api,
        clock,
        log: log.child(s === primary ? "reader" : `reader.${s}`),
        accountId: account!.id,
        positionKey: s === primary ? account!.id : `${account!.id}:${s}`,
        serial,
        windowMs: windowOf(s).windowMs,
        pace: (rateLimit) => plan(s, rateLimit) ?? PHASE_RECHECK_MS,
        onPage: async (items) => {
          await usage.count(items.map((t) => t.id));
          readThisMonth = await usage.used();
        },
        // Near the month's cap, smaller pages: X counts every post a page returns.
        maxResults: () => tier.monthlyReads - readThisMonth,
        hostHandle,
        source: s,
        backfill: s === primary && config.backfill,
        // Recent search may leave out the newest ~30 s (X's default end_time, as we read its
        // docs): a search read vouches for nothing newer, so no close is decided on it early.
        ingestLagMs: s === "search"
          ? Math.max(config.ingestLagMs, SEARCH_LAG_MS)
          : config.ingestLagMs,
        tierIntervalMs: windowIntervalMs(windowOf(s)),
        minIntervalMs: config.minPollMs,
        onTweet,
        // The `auctions` service as far as the reader needs it (declared by the auction).
        settled: () =>
          (use("auctions") as { idle(): Promise<void> } | undefined)?.idle() ??
            Promise.resolve(),
        onReadThrough: async (read) => {
          const until = sweep ? await sweep.gate(read) : read;
          if (reported && Temporal.Instant.compare(until, reported) <= 0) return;
          reported = until;
          readThrough = nyString(until);
          bus.emit("tweets.read-through", { until: readThrough });
        },
      });
      readers.set(s, reader);
      return reader;
    };
    /** The earlier of `next` and the next phase change (a read may be due sooner then). */
    const orPhaseChange = (next: Temporal.Instant) => {
      const now = clock.instant().epochMilliseconds;
      const change = nextPhaseChange(now, auctionTimes.values());
      return change !== undefined && change < next.epochMilliseconds
        ? Temporal.Instant.fromEpochMilliseconds(change)
        : next;
    };
    const readStep = (s: PolledSource) => async () => {
      if (!(await resolveAccount())) return accountRetryAt();
      const reader = readerFor(s);
      const now = clock.instant();
      const rateLimit = reader.status().rateLimit;
      // A window spent: wait for its reset (never a 429 by ourselves).
      if (rateLimit && rateLimit.remaining <= 0 && rateLimit.resetAt > now.epochMilliseconds) {
        return Temporal.Instant.fromEpochMilliseconds(rateLimit.resetAt);
      }
      if (plan(s, rateLimit) === undefined) {
        return orPhaseChange(now.add({ milliseconds: PHASE_RECHECK_MS }));
      }
      const result = await reader.poll();
      if (s === primary) {
        projection = await usage.project(config.expectedMentionsPerDay);
        readThisMonth = projection.used;
        degrade = degradeLevel(projection.runsOutOnDay, projection.daysInMonth);
        await openStream();
      }
      return result.outcome === "complete" ? orPhaseChange(result.nextAt) : result.nextAt;
    };
    if (config.read) {
      for (const s of polled) {
        const loop = createWakeLoop(clock, log.child(`reader.${s}`), readStep(s), {
          errorRetryMs: 30_000,
        });
        loops.set(s, loop);
        loop.kick();
      }
    }

    const notifications = startNotifications({
      bus,
      db,
      clock,
      log: log.child("notify"),
      hostHandle,
      publicUrl,
      linkUrl: facts.linkUrl,
      remindLeadMinutes: config.remindLeadMinutes,
      links,
      enqueue,
    });

    mountBidderPage(http, db);
    // The ticker's how-to-bid, once every plugin listens.
    const offHelp = bus.on("engine.started", () => {
      bus.emit("help.published", { lines: howToBid(facts), ...facts });
    });

    health("source", () => {
      const statuses = [...readers].map(([name, r]) => ({ name, ...r.status() }));
      const s = readers.get(primary)?.status();
      const paused = statuses.find((r) => r.pausedUntil);
      const ok = Boolean(account) && statuses.every((r) => r.failures < 5) && !paused;
      const pausedWhy = paused &&
        (paused.pauseReason === "automated"
          ? `X refused reads as automated activity (error 226): ${paused.name} reads paused until ${paused.pausedUntil}`
          : `X's monthly cap on posts read is spent: ${paused.name} reads paused until ${paused.pausedUntil}`);
      return {
        ok: (config.read ? ok : true) && !sweep?.pending().length,
        detail: accountError ?? pausedWhy ?? s?.lastError,
        account: account?.handle,
        readThrough,
        stream: wantStream ? (stream?.connected() ? "connected" : "down") : "off",
        rateLimitRemaining: s?.rateLimit?.remaining,
        phase: phaseAt(clock.instant().epochMilliseconds, auctionTimes.values()).phase,
        sources: Object.fromEntries(statuses.map((r) => [r.name, {
          sinceId: r.sinceId,
          remaining: r.rateLimit?.remaining,
          failures: r.failures,
          ...(r.pausedUntil ? { pausedUntil: r.pausedUntil, pauseReason: r.pauseReason } : {}),
        }])),
        // A close waits for its sweep while X cannot answer it (the next read tries again).
        sweepPending: sweep?.pending(),
      };
    });
    health("reads", () => ({
      // A cap that will run out is a warning (a restart cannot help); a spent one is an outage.
      ok: !projection || projection.used < projection.cap,
      warning: projection?.runsOutOnDay !== undefined,
      detail: projection ? describeProjection(config.tier, projection) : undefined,
      used: projection?.used,
      cap: tier.monthlyReads,
      degrade,
      degradeOrder: DEGRADE_ORDER,
    }));
    health("outbox", async () => {
      const usage = await outbox.usage();
      // In flight past two minutes: its fate unknown until the own timeline can be read.
      const stuck = await outbox.stuck(2 * 60_000);
      const failed = await outbox.failures(3600_000);
      const automated = outbox.automatedUntil();
      const problems = [
        automated &&
        `X refused posting as automated activity (error 226): paused until ${automated}`,
        stuck.count &&
        `${stuck.count} post(s) in flight since ${stuck.since}, unconfirmed${
          stuck.error ? ` (own timeline: ${stuck.error})` : ""
        }`,
      ].filter(Boolean);
      // A post refused for good is shown (a warning), not an outage: posting goes on.
      const refused = failed.count
        ? `${failed.count} post(s) refused for good in the last hour (last: ${failed.last?.key}: ${failed.last?.error})`
        : undefined;
      return {
        ok: problems.length === 0,
        warning: Boolean(refused),
        detail: [...problems, refused].filter(Boolean).join("; ") || undefined,
        usage: usage.map((u) => `${u.used}/${u.limit} per ${u.windowMs / 1000}s`).join(", "),
        blockedUntil: outbox.blockedUntil()?.toString(),
        inFlight: stuck.count,
        failedLastHour: failed.count,
      };
    });

    provide("x", {
      post: enqueue,
      usage: () => outbox.usage(),
      readThrough: () => readThrough,
      async idle() {
        for (let i = 0; i < 2; i++) {
          for (const loop of loops.values()) await loop.idle();
          await notifications.idle();
          await postLoop?.idle();
        }
      },
    });

    return async () => {
      offHelp();
      offTrack();
      stopped = true;
      stream?.stop();
      for (const loop of loops.values()) loop.stop();
      postLoop?.stop();
      notifications.stop();
      // Let a read or post under way finish, so its row is written before storage closes.
      await Promise.all([
        ...[...loops.values()].map((l) => l.idle()),
        postLoop?.idle(),
        notifications.idle(),
      ]);
    };
  },
});
