/**
 * The fake X's memory, passed explicitly to every part of the server (routes, rendering, the
 * stream, the control API): users, tweets (ascending id), what was posted, forced faults, each
 * endpoint's rate-limit window, the monthly count of posts read (once per post per UTC day, as X
 * dedupes) and the open filtered streams. Time is `state.now()` (a test's virtual clock).
 */
import type { Hono } from "hono";
import { type Tier, TIERS } from "./tiers.ts";

export interface FakeTweet {
  id: string;
  text: string;
  author_id: string;
  created_at: string;
  conversation_id: string;
  in_reply_to_user_id?: string;
  referenced_tweets?: Array<{ type: "replied_to" | "quoted" | "retweeted"; id: string }>;
  entities?: { mentions: Array<{ start: number; end: number; username: string; id?: string }> };
  edit_history_tweet_ids: string[];
}

/** A tweet as a test injects it (the control API's `POST /_fake/tweets`). */
export interface FakeInput {
  author: string;
  text: string;
  createdAt?: string;
  inReplyTo?: string;
  /** A quote tweet or a retweet of that tweet (`referenced_tweets`). */
  quotes?: { type: "quoted" | "retweeted"; id: string };
  /** A new version of that tweet (X's edits: every version lists all ids). */
  editOf?: string;
  /** Left out of the mentions timeline, as X's timelines now and then drop one; search finds it. */
  missingFromMentions?: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  username: string;
  created_at: string;
}

/** A forced failure for the next matching requests. */
export interface Fault {
  /**
   * 429, 500, 503, … or 0 for a dropped connection; 187: 403 duplicate content (X's old
   * error 187); 226: 403 "this request looks like it might be automated" (X's error 226).
   */
  status: number;
  /** For 429: leave out the `x-rate-limit-*` headers (X does now and then). */
  noReset?: boolean;
  /** How many requests it applies to. */
  times: number;
  /** Applies to request paths starting with this (e.g. `/2/tweets`); all when absent. */
  path?: string;
  method?: string;
  /** Applies only to requests made so: `user` (OAuth 1.0a) or `app` (a Bearer token). */
  auth?: "user" | "app";
  /** Let this many matching requests through first. */
  after?: number;
  /** For POST /2/tweets: record the tweet, then fail (the client cannot tell it was posted). */
  commit?: boolean;
}

export interface FakeXOptions {
  hostHandle?: string;
  tier?: Tier;
  /** Per-endpoint limits that replace the tier's, e.g. `{ "POST /2/tweets": { limit, windowMs } }`. */
  limits?: Record<string, { limit: number; windowMs: number }>;
  /** Per-app windows (Bearer token) that replace the tier's, e.g. for recent search. */
  appLimits?: Record<string, { limit: number; windowMs: number }>;
  /**
   * The per-app windows' `x-rate-limit-*` headers: `missing` (none sent), `lying` (a limit and a
   * remaining ten times the window's, a reset a day ahead); the window is enforced all the same.
   */
  appHeaders?: "missing" | "lying";
  /** Answer every Bearer-token request so (X refusing the app's token). */
  refuseBearer?: 401 | 403;
  /** Replaces the tier's 24-hour posting cap. */
  postsPerDay?: number;
  /** Replaces the tier's monthly cap on posts read. */
  monthlyReads?: number;
  /** Epoch ms; a test may pass a virtual clock's. */
  now?: () => number;
  /** Called after a tweet is stored by POST /2/tweets, before the response is sent. */
  onPost?: (tweet: FakeTweet) => void | Promise<void>;
  /** Wait this long before answering POST /2/tweets. */
  postDelayMs?: number;
  /**
   * Recent search without `end_time` answers up to this long ago (X documents "up to 30 seconds
   * ago"; default 30 000). An explicit `end_time` may be as recent as 10 s before the request.
   */
  searchLagMs?: number;
  /** Refuse duplicate texts like X (default true); tests of the client's own guard turn it off. */
  refuseDuplicates?: boolean;
}

export interface Window {
  limit: number;
  windowMs: number;
  remaining: number;
  resetAt: number;
}

export interface FakeStream {
  offer(t: FakeTweet): void;
  close(): void;
}

export interface FakeX {
  app: Hono;
  fetch: (request: Request) => Response | Promise<Response>;
  user(handle: string): FakeUser;
  host: FakeUser;
  /** Adds a tweet as if `author` had posted it now (or at `createdAt`). */
  inject(input: FakeInput): FakeTweet;
  /** Tweets created through POST /2/tweets, oldest first. */
  posts(): FakeTweet[];
  fault(fault: Fault): void;
  /** Closes every open filtered stream, as a network cut would. */
  disconnectStreams(): void;

  /** Requests served, by `METHOD path-template`, 429s sent, posts read this month (X's count). */
  stats(): {
    requests: Record<string, number>;
    appRequests: Record<string, number>;
    rateLimited: number;
    rateLimitedBy: Record<string, number>;
    faults: number;
    postsRead: number;
    capped: number;
  };
  options: FakeXOptions;
}

export interface FakeXState {
  options: FakeXOptions;
  /** The host account (`hostHandle`). */
  host: FakeUser;
  now: () => number;
  tier: {
    endpoints: Record<string, { limit: number; windowMs: number }>;
    appEndpoints: Record<string, { limit: number; windowMs: number }>;
    postsPerDay: number;
    stream: boolean;
    monthlyReads: number;
  };
  users: Map<string, FakeUser>;
  byName: Map<string, FakeUser>;
  /** Ascending id. */
  tweets: FakeTweet[];
  missingFromMentions: Set<string>;
  posted: FakeTweet[];
  faults: Fault[];
  windows: Map<string, Window>;
  requests: Record<string, number>;
  /** Of `requests`, those made with a Bearer token (the app's), by endpoint. */
  appRequests: Record<string, number>;
  rateLimited: number;
  /** 429s by `METHOD path-template`, to say which limit a client ran into. */
  rateLimitedBy: Record<string, number>;
  faultsServed: number;
  /** The monthly cap on posts read: X counts each post once per UTC day, per calendar month. */
  reads: {
    month: string;
    day: string;
    today: Set<string>;
    postsRead: number;
    capped: number;
    /** Posts counted per UTC day, for `GET /2/usage/tweets`. */
    daily: Map<string, number>;
  };
  /** Filtered-stream rules and open connections. */
  rules: Array<{ id: string; value: string; tag?: string }>;
  ruleSeq: bigint;
  streams: Set<FakeStream>;
  lastId: bigint;
}

const TWITTER_EPOCH = 1288834974657n;

export function createFakeXState(options: FakeXOptions): FakeXState {
  const base = TIERS[options.tier ?? "pro"];
  const s: FakeXState = {
    options,
    host: undefined as unknown as FakeUser, // set below, once users exist
    now: options.now ?? (() => Date.now()),
    tier: {
      endpoints: { ...base.endpoints, ...options.limits },
      appEndpoints: { ...base.appEndpoints, ...options.appLimits },
      postsPerDay: options.postsPerDay ?? base.postsPerDay,
      stream: base.stream,
      monthlyReads: options.monthlyReads ?? base.monthlyReads,
    },
    users: new Map(),
    byName: new Map(),
    tweets: [],
    missingFromMentions: new Set(),
    posted: [],
    faults: [],
    windows: new Map(),
    requests: {},
    appRequests: {},
    rateLimited: 0,
    rateLimitedBy: {},
    faultsServed: 0,
    reads: { month: "", day: "", today: new Set(), postsRead: 0, capped: 0, daily: new Map() },
    rules: [],
    ruleSeq: 1_700_000_000_000_000_000n,
    streams: new Set(),
    lastId: 0n,
  };
  s.host = userOf(s, options.hostHandle ?? "SothebAIs");
  return s;
}

/** Counts posts a read returned against the month (each once per UTC day). */
export function countRead(s: FakeXState, ids: string[]): void {
  const r = s.reads;
  const iso = new Date(s.now()).toISOString();
  if (iso.slice(0, 7) !== r.month) [r.month, r.postsRead] = [iso.slice(0, 7), 0];
  if (iso.slice(0, 10) !== r.day) [r.day, r.today] = [iso.slice(0, 10), new Set()];
  for (const id of ids) {
    if (r.today.has(id)) continue;
    r.today.add(id);
    r.postsRead++;
    r.daily.set(r.day, (r.daily.get(r.day) ?? 0) + 1);
  }
}

export function overCap(s: FakeXState): boolean {
  countRead(s, []);
  return s.reads.postsRead >= s.tier.monthlyReads;
}

/** A snowflake for a tweet made at `ms`: time << 22, so id order is time order. */
function nextId(s: FakeXState, ms: number): string {
  let id = (BigInt(Math.floor(ms)) - TWITTER_EPOCH) << 22n;
  if (id <= s.lastId) id = s.lastId + 1n;
  s.lastId = id;
  return id.toString();
}

/** The user of a handle, created on first use. */
export function userOf(s: FakeXState, handle: string): FakeUser {
  const username = handle.replace(/^@/, "");
  const found = s.byName.get(username.toLowerCase());
  if (found) return found;
  const u: FakeUser = {
    id: stableUserId(username),
    name: username,
    username,
    created_at: new Date(s.now()).toISOString(),
  };
  s.users.set(u.id, u);
  s.byName.set(username.toLowerCase(), u);
  return u;
}

const mentionsOf = (s: FakeXState, text: string) =>
  [...text.matchAll(/(^|[^\w@])@(\w{1,15})/g)].map((m) => {
    const start = m.index! + m[1].length;
    const u = s.byName.get(m[2].toLowerCase());
    return { start, end: start + m[2].length + 1, username: m[2], ...(u ? { id: u.id } : {}) };
  });

/** Stores a tweet (an edit updates every version's history) and offers it to open streams. */
export function storeTweet(
  s: FakeXState,
  author: FakeUser,
  text: string,
  createdMs: number,
  inReplyTo?: string,
  more: Pick<FakeInput, "quotes" | "editOf"> = {},
): FakeTweet {
  const id = nextId(s, s.now());
  const parent = inReplyTo ? s.tweets.find((t) => t.id === inReplyTo) : undefined;
  const mentions = mentionsOf(s, text);
  const original = more.editOf ? s.tweets.find((t) => t.id === more.editOf) : undefined;
  const history = original ? [...original.edit_history_tweet_ids, id] : [id];
  const refs = [
    ...(parent ? [{ type: "replied_to" as const, id: parent.id }] : []),
    ...(more.quotes ? [more.quotes] : []),
  ];
  const tweet: FakeTweet = {
    id,
    text,
    author_id: author.id,
    created_at: new Date(createdMs).toISOString(),
    conversation_id: parent?.conversation_id ?? id,
    edit_history_tweet_ids: history,
    ...(parent ? { in_reply_to_user_id: parent.author_id } : {}),
    ...(refs.length ? { referenced_tweets: refs } : {}),
    ...(mentions.length ? { entities: { mentions } } : {}),
  };
  // Every version of an edited tweet lists them all.
  for (const t of s.tweets) if (history.includes(t.id)) t.edit_history_tweet_ids = history;
  s.tweets.push(tweet);
  for (const stream of s.streams) stream.offer(tweet);
  return tweet;
}

/**
 * The window a request counts against: the endpoint's per-app one for a Bearer token where the
 * endpoint has one (`appEndpoints`), else the per-user one (`key` and `windowKey` name it).
 */
export function windowOf(s: FakeXState, key: string, auth: "user" | "app") {
  const app = auth === "app" ? s.tier.appEndpoints[key] : undefined;
  return app
    ? { windowKey: `${key} (app)`, spec: app, app: true }
    : { windowKey: key, spec: s.tier.endpoints[key], app: false };
}

/** Takes one request from the endpoint's window (fixed, from the first request); false when spent. */
export function take(
  s: FakeXState,
  key: string,
  auth: "user" | "app" = "user",
): { ok: boolean; window?: Window } {
  const { windowKey, spec } = windowOf(s, key, auth);
  if (!spec) return { ok: true };
  let w = s.windows.get(windowKey);
  if (!w || s.now() >= w.resetAt) {
    w = { ...spec, remaining: spec.limit, resetAt: s.now() + spec.windowMs };
    s.windows.set(windowKey, w);
  }
  if (w.remaining <= 0) return { ok: false, window: w };
  w.remaining--;
  return { ok: true, window: w };
}

/** Counts a 429 sent for `key`. */
export function countLimited(s: FakeXState, key: string): void {
  s.rateLimited++;
  s.rateLimitedBy[key] = (s.rateLimitedBy[key] ?? 0) + 1;
}

/** The 24-hour posting window (`x-user-limit-24hour-*`). */
export function dayWindow(s: FakeXState): Window {
  const key = "POST /2/tweets 24h";
  let w = s.windows.get(key);
  if (!w || s.now() >= w.resetAt) {
    const limit = s.tier.postsPerDay;
    w = { limit, windowMs: 86_400_000, remaining: limit, resetAt: s.now() + 86_400_000 };
    s.windows.set(key, w);
  }
  return w;
}

export function stats(s: FakeXState) {
  countRead(s, []);
  return {
    requests: { ...s.requests },
    appRequests: { ...s.appRequests },
    rateLimited: s.rateLimited,
    rateLimitedBy: { ...s.rateLimitedBy },
    faults: s.faultsServed,
    postsRead: s.reads.postsRead,
    capped: s.reads.capped,
  };
}

/**
 * A user's id from their handle, the same in every run of the server (as X's ids are
 * stable), so an engine restarted beside a restarted fake X still knows its bidders.
 * FNV-1a over the lower-case handle, 53 bits, above X's small ids.
 */
function stableUserId(username: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(username.toLowerCase())) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return String(1_000_000n + (hash >> 11n));
}
