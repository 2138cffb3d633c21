/**
 * A rehearsal: the real engine (auction + funds-book) on a virtual clock and
 * embedded storage, fed a scenario of tweets, deposits and admin actions, and
 * printing one JSON line per decision. The scenario plays the tweet source as
 * the x plugin does: each tweet is read through the same grammar (`readBid`;
 * what is not a bid never reaches the auction and prints a `tweet.not-bid`
 * line), and the watermark at time t is t minus the ingest lag, computed by the
 * x plugin's own `readThroughAt` — it cannot know of tweets still in flight, so
 * a tweet delivered after end + grace + lag finds the auction closed.
 *
 * Within one processing time: wallet links and deposits first, then admin
 * actions in file order, then the tweets (together, so the engine orders them).
 */
import { z } from "zod";
import type { Bus, BusEvent } from "../../core/bus.ts";
import { type VirtualClock, virtualClock } from "../../core/clock.ts";
import { describeIssues, loadPlugins, readSettings } from "../../core/config.ts";
import { startEngine } from "../../core/engine.ts";
import { createLog } from "../../core/log.ts";
import type { FundsBook } from "./funds.ts";
import { DEFAULT_INGEST_LAG_MS, readThroughAt } from "./read_through.ts";
import { amountSchema, auctionSchema, instantSchema } from "./auction_config.ts";
import type { Auctions } from "./mod.ts";
import { readBid } from "./parse_bid.ts";
import type { AdminAction } from "./rules.ts";

const handle = z.string().regex(/^@\w{1,15}$/, "an X handle like @alice");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x address of 40 hex digits");

const adminSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("pause") }),
  z.object({ action: z.literal("resume") }),
  z.object({ action: z.literal("extend"), seconds: z.number().int().positive() }),
  z.object({ action: z.literal("cancel") }),
  z.object({ action: z.literal("void"), tweetId: z.string().min(1) }),
  z.object({ action: z.literal("close") }),
  z.object({
    action: z.literal("reschedule"),
    startsAt: instantSchema,
    endsAt: instantSchema,
    maxEndsAt: instantSchema,
  }),
]).and(z.object({
  reason: z.string().min(1),
  auctionId: z.string().optional(),
  actor: z.string().default("rehearsal"),
}));

const eventSchema = z.union([
  z.object({
    at: instantSchema,
    receivedAt: instantSchema.optional(),
    tweet: z.object({
      id: z.string().regex(/^\d+$/, "a numeric tweet id"),
      author: handle,
      /** The author's X user id, when a scenario tells accounts apart from handles. */
      authorId: z.string().regex(/^\d+$/, "a numeric X user id").optional(),
      text: z.string(),
      receivedAt: instantSchema.optional(),
      /** This tweet is an edit of that one (X's edit_history_tweet_ids: [edits, id]). */
      edits: z.string().regex(/^\d+$/, "a numeric tweet id").optional(),
    }),
  }),
  z.object({ at: instantSchema, deposit: z.object({ handle, amount: amountSchema }) }),
  z.object({ at: instantSchema, link: z.object({ handle, address }) }),
  z.object({ at: instantSchema, admin: adminSchema }),
]);

export const scenarioSchema = z.object({
  host: z.string().default("@SothebAIs"),
  auction: z.unknown().optional(),
  auctions: z.array(z.unknown()).optional(),
  rateLimit: z.object({
    bids: z.number().int().positive(),
    perSeconds: z.number().int().positive(),
  })
    .optional(),
  /** The most a bid may be (the auction's `maxBid`). */
  maxBid: amountSchema.optional(),
  /** The tweet source's ingest lag (the x plugin's `ingestLagMs`). */
  ingestLagMs: z.number().int().min(0).default(DEFAULT_INGEST_LAG_MS),
  wallets: z.array(z.object({
    handle,
    address,
    deposit: amountSchema.optional(),
    /** The X account the link belongs to. */
    authorId: z.string().regex(/^\d+$/, "a numeric X user id").optional(),
  })).default([]),
  events: z.array(eventSchema),
}).superRefine((s, ctx) => {
  if ((s.auction === undefined) === (s.auctions === undefined)) {
    ctx.addIssue({ code: "custom", path: ["auction"], message: "give auction or auctions" });
  }
  const list = s.auctions ?? (s.auction === undefined ? [] : [s.auction]);
  list.forEach((a, i) => {
    const r = auctionSchema.safeParse(a);
    const at = s.auctions ? ["auctions", i] : ["auction"];
    for (const issue of r.error?.issues ?? []) {
      ctx.addIssue({ code: "custom", path: [...at, ...issue.path], message: issue.message });
    }
  });
});

export type Scenario = z.output<typeof scenarioSchema>;

/** A decision line, as printed. */
export type Line = Record<string, unknown>;

/** Checks a scenario; returns its problems as `field: message` lines (empty when valid). */
export function scenarioProblems(raw: unknown): string[] {
  const r = scenarioSchema.safeParse(raw);
  return r.success ? [] : describeIssues("scenario", r.error);
}

export interface RehearseOptions {
  /**
   * The host runs by default (the scripted brain, or the model at `llmUrl`, e.g. LLM_BASE_URL)
   * and its lines are printed among the decisions: `host.said {text, at, version}`,
   * `host.posted {text, at}`. `false`: the auction's decisions only.
   */
  host?: { llmUrl?: string; character?: string; llm?: Record<string, unknown> } | false;
}

/** Runs a scenario and calls `write` with each decision line, in order. */
export async function rehearse(
  raw: unknown,
  write: (line: Line) => void,
  options: RehearseOptions = {},
): Promise<void> {
  const scenario = scenarioSchema.parse(raw);
  const hostOptions = options.host === false ? null : options.host ?? {};
  const auctionInputs = scenario.auctions ?? [scenario.auction];
  const rules = auctionInputs.map((a) => auctionSchema.parse(a));
  const cmp = Temporal.Instant.compare;
  const timeOf = (e: Scenario["events"][number]) =>
    "tweet" in e ? (e.tweet.receivedAt ?? e.receivedAt ?? e.at) : e.at;
  const events = scenario.events.map((e, i) => ({ e, i, t: timeOf(e) }))
    .sort((a, b) => cmp(a.t, b.t) || a.i - b.i);
  const lagMs = scenario.ingestLagMs;
  const starts = [...rules.map((r) => r.startsAt), ...events.map((x) => x.t)];
  const start = starts.reduce((a, b) => cmp(a, b) <= 0 ? a : b);
  const clock = virtualClock(start.subtract({ seconds: 1 }));

  const dir = await Deno.makeTempDir({ prefix: "sothebais-rehearsal-" });
  const engine = await rehearsalEngine(scenario, auctionInputs, hostOptions, clock, dir)
    .catch(async (error) => {
      await Deno.remove(dir, { recursive: true });
      throw error;
    });
  try {
    const auctions = engine.service<Auctions>("auctions");
    const book = engine.service<FundsBook>("funds-book");
    // The host's lines wait for its composing (a model answers in real time).
    const host = hostOptions ? engine.service<{ idle(): Promise<void> }>("host") : null;
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        await auctions.idle();
        await host?.idle();
      }
    };
    engine.bus.on("*", (e) => {
      const line = lineOf(e);
      if (line) write(line);
    });
    for (const w of scenario.wallets) {
      await book.link(w.handle, w.address, w.authorId);
      if (w.deposit) await book.enter(w.handle, "deposit", w.deposit, "scenario wallet");
    }
    let readThrough: Temporal.Instant | null = null;
    let next = 0;
    for (;;) {
      await settle();
      const now = clock.instant();
      const closes = auctions.list()
        .filter((a) => a.status === "scheduled" || a.status === "open")
        // The source reads through end + grace once its lag has passed too.
        .map((a) =>
          Temporal.Instant.from(a.endsAt).add({ seconds: a.ingestGraceSeconds })
            .add({ milliseconds: lagMs })
        )
        .filter((t) => cmp(t, now) > 0);
      const candidates = [...closes, ...(next < events.length ? [events[next].t] : [])];
      if (!candidates.length) break;
      const t = candidates.reduce((a, b) => cmp(a, b) <= 0 ? a : b);
      await clock.advanceTo(t);
      await settle();
      const due: typeof events = [];
      while (next < events.length && cmp(events[next].t, t) <= 0) due.push(events[next++]);
      await enterFunds(book, due);
      await applyAdmin(auctions, due, t, write);
      submitTweets(engine.bus, due, t, write);
      // What the x plugin would report after a read at t: t minus its ingest lag.
      const until = readThroughAt(t, lagMs, readThrough ?? undefined);
      if (!readThrough || cmp(until, readThrough) > 0) {
        readThrough = until;
        engine.bus.emit("tweets.read-through", { until: until.toString() });
      }
    }
    await settle();
    if (host) {
      // Let the host finish the day: the result and the thanks are said after the close.
      await clock.advanceTo(clock.instant().add({ minutes: 2 }));
      await settle();
    }
  } finally {
    await engine.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The engine of a rehearsal: funds-book, the auction (and the host) on `clock`, storage in `dir`. */
async function rehearsalEngine(
  scenario: Scenario,
  auctionInputs: unknown[],
  hostOptions: Exclude<RehearseOptions["host"], false | undefined> | null,
  clock: VirtualClock,
  dir: string,
) {
  const env = { DATA_DIR: dir, LOG_LEVEL: "error" };
  const settings = readSettings(env);
  const { plugins } = await loadPlugins([
    {
      label: "funds-book",
      specifier: new URL("../funds-book/mod.ts", import.meta.url).href,
      config: {},
    },
    {
      label: "auction",
      specifier: new URL("./mod.ts", import.meta.url).href,
      config: {
        watermark: "tweets",
        auctions: auctionInputs,
        ...(scenario.rateLimit ? { rateLimit: scenario.rateLimit } : {}),
        ...(scenario.maxBid === undefined ? {} : { maxBid: String(scenario.maxBid) }),
      },
    },
    ...(hostOptions
      ? [{
        label: "host",
        specifier: new URL("../host/mod.ts", import.meta.url).href,
        config: {
          handle: scenario.host,
          ...(hostOptions.character ? { character: hostOptions.character } : {}),
          llm: {
            ...hostOptions.llm,
            ...(hostOptions.llmUrl ? { baseUrl: hostOptions.llmUrl } : {}),
          },
        },
      }]
      : []),
  ], env);
  const log = createLog("rehearsal", {
    level: "error",
    write: (line) => console.error(line),
  });
  return await startEngine({ settings, plugins, clock, log, listen: false });
}

type Due = Array<{ e: Scenario["events"][number] }>;

/** Wallet links and deposits due now. */
async function enterFunds(book: FundsBook, due: Due) {
  for (const { e } of due) {
    if ("deposit" in e) {
      await book.enter(e.deposit.handle, "deposit", e.deposit.amount, "scenario");
    }
    if ("link" in e) await book.link(e.link.handle, e.link.address);
  }
}

/** Admin actions due now, in file order; a refused one prints why. */
async function applyAdmin(
  auctions: Auctions,
  due: Due,
  t: Temporal.Instant,
  write: (l: Line) => void,
) {
  for (const { e } of due) {
    if (!("admin" in e)) continue;
    const { reason, auctionId, actor, ...action } = e.admin;
    try {
      await auctions.admin(auctionId ?? null, action as AdminAction, { actor, reason });
      write({ type: "admin", auctionId: auctionId ?? null, action: action.action, at: ny(t) });
    } catch (error) {
      write({
        type: "admin.refused",
        auctionId: auctionId ?? null,
        action: action.action,
        error: (error as Error).message,
        at: ny(t),
      });
    }
  }
}

/** The tweets due now, read as the x plugin reads them: what is not a bid never reaches the auction. */
function submitTweets(bus: Bus, due: Due, t: Temporal.Instant, write: (l: Line) => void) {
  for (const { e } of due) {
    if (!("tweet" in e)) continue;
    const read = readBid(e.tweet.text);
    if (read.kind === "not-bid") {
      write({
        type: "tweet.not-bid",
        tweetId: e.tweet.id,
        handle: e.tweet.author,
        why: read.why,
        at: ny(e.at),
      });
      continue;
    }
    bus.emit("bid.submitted", {
      tweetId: e.tweet.id,
      handle: e.tweet.author,
      ...(e.tweet.authorId ? { authorId: e.tweet.authorId } : {}),
      text: e.tweet.text,
      tweetAt: e.at.toString(),
      receivedAt: t.toString(),
      ...(e.tweet.edits ? { editHistory: [e.tweet.edits, e.tweet.id] } : {}),
    });
  }
}

const ny = (t: Temporal.Instant) =>
  t.toZonedDateTimeISO("America/New_York").toString({
    timeZoneName: "never",
  });

function lineOf(e: BusEvent): Line | null {
  const p = e.payload as Record<string, unknown>;
  const str = (v: unknown) => v === null || v === undefined ? null : String(v);
  switch (e.type) {
    case "host.said":
      return { type: e.type, text: p.text, at: e.at, version: p.version };
    case "host.posted":
      return { type: e.type, text: p.text, at: e.at, version: p.version, queued: p.queued };
    case "bid.accepted":
      return {
        type: e.type,
        auctionId: p.auctionId,
        tweetId: p.tweetId,
        handle: p.handle,
        amountWei: str(p.amountWei),
        at: p.at,
        endsAt: p.endsAt,
        // Only when they are true, so a scenario without maximum bids reads as before.
        ...(p.max ? { max: true } : {}),
        ...(p.proxy ? { proxy: true, causedBy: p.causedBy } : {}),
      };
    case "bid.max-set":
      return {
        type: e.type,
        auctionId: p.auctionId,
        tweetId: p.tweetId,
        handle: p.handle,
        cancelled: p.cancelled,
        at: p.at,
      };
    case "bid.rejected":
      return {
        type: e.type,
        auctionId: p.auctionId,
        tweetId: p.tweetId,
        handle: p.handle,
        reason: p.reason,
        message: p.message,
        at: p.at,
      };
    case "auction.extended":
      return {
        type: e.type,
        auctionId: p.auctionId,
        endsAt: p.endsAt,
        previousEndsAt: p.previousEndsAt,
      };
    case "auction.closed": {
      const winner = p.winner as { handle: string; amountWei: bigint } | null;
      const runnerUp = p.runnerUp as { handle: string } | null;
      return {
        type: e.type,
        auctionId: p.auctionId,
        winner: winner?.handle ?? null,
        amountWei: str(winner?.amountWei),
        runnerUp: runnerUp?.handle ?? null,
        at: p.at,
      };
    }
    default:
      return null;
  }
}
