/**
 * A fake X API v2 server: the subset the `x` plugin uses, with X's documented
 * response shapes (fields only when asked for, `includes`, `meta`, problem-JSON
 * errors), `x-rate-limit-*` headers and 429s per endpoint window, and the
 * monthly cap on posts read (a post returned twice in a UTC day counts once,
 * as X dedupes; over the cap every read endpoint answers 429 UsageCapExceeded).
 * Tweets live in memory. A control API under `/_fake/` injects tweets, reads
 * what was posted and forces faults: 429s (with or without a reset header),
 * 5xx bursts, bodies cut off mid-page, duplicate refusals (187), X's
 * "automated" refusal (226), and dropped filtered-stream connections.
 *
 * It is a test double for a service that cannot be reached from here: it
 * follows X's documentation, not the plugin's convenience.
 */
import { Hono } from "hono";
import type { Context } from "hono";
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
  /** Refuse duplicate texts like X (default true); tests of the client's own guard turn it off. */
  refuseDuplicates?: boolean;
}

interface Window {
  limit: number;
  windowMs: number;
  remaining: number;
  resetAt: number;
}

const TWITTER_EPOCH = 1288834974657n;

/** The endpoints whose posts count against the monthly cap. */
const READS = new Set([
  "GET /2/users/:id/mentions",
  "GET /2/users/:id/tweets",
  "GET /2/tweets/search/recent",
  "GET /2/tweets/search/stream",
]);

const problem = (status: number, title: string, detail: string, type = "about:blank") => ({
  title,
  detail,
  type,
  status,
});

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
    rateLimited: number;
    faults: number;
    postsRead: number;
    capped: number;
  };
  options: FakeXOptions;
}

export function createFakeX(options: FakeXOptions = {}): FakeX {
  const now = options.now ?? (() => Date.now());
  const base = TIERS[options.tier ?? "pro"];
  const tier = {
    endpoints: { ...base.endpoints, ...options.limits },
    postsPerDay: options.postsPerDay ?? base.postsPerDay,
    stream: base.stream,
    monthlyReads: options.monthlyReads ?? base.monthlyReads,
  };
  const users = new Map<string, FakeUser>();
  const byName = new Map<string, FakeUser>();
  const tweets: FakeTweet[] = []; // ascending id
  const missingFromMentions = new Set<string>();
  const posted: FakeTweet[] = [];
  const faults: Fault[] = [];
  const windows = new Map<string, Window>();
  const requests: Record<string, number> = {};
  let rateLimited = 0;
  let faultsServed = 0;
  // The monthly cap on posts read: X counts each post once per UTC day, per calendar month.
  let readMonth = "";
  let readDay = "";
  let readToday = new Set<string>();
  let postsRead = 0;
  let capped = 0;
  /** Posts counted per UTC day, for `GET /2/usage/tweets`. */
  const dailyReads = new Map<string, number>();
  const countRead = (ids: string[]) => {
    const iso = new Date(now()).toISOString();
    if (iso.slice(0, 7) !== readMonth) [readMonth, postsRead] = [iso.slice(0, 7), 0];
    if (iso.slice(0, 10) !== readDay) [readDay, readToday] = [iso.slice(0, 10), new Set()];
    for (const id of ids) {
      if (readToday.has(id)) continue;
      readToday.add(id);
      postsRead++;
      dailyReads.set(readDay, (dailyReads.get(readDay) ?? 0) + 1);
    }
  };
  const overCap = () => {
    countRead([]);
    return postsRead >= tier.monthlyReads;
  };
  /** Filtered-stream rules and open connections. */
  const rules: Array<{ id: string; value: string; tag?: string }> = [];
  let ruleSeq = 1_700_000_000_000_000_000n;
  const streams = new Set<{ offer(t: FakeTweet): void; close(): void }>();
  let lastId = 0n;

  const nextId = (ms: number) => {
    let id = (BigInt(Math.floor(ms)) - TWITTER_EPOCH) << 22n;
    if (id <= lastId) id = lastId + 1n;
    lastId = id;
    return id.toString();
  };

  const user = (handle: string): FakeUser => {
    const username = handle.replace(/^@/, "");
    const found = byName.get(username.toLowerCase());
    if (found) return found;
    const u: FakeUser = {
      id: stableUserId(username),
      name: username,
      username,
      created_at: new Date(now()).toISOString(),
    };
    users.set(u.id, u);
    byName.set(username.toLowerCase(), u);
    return u;
  };

  const host = user(options.hostHandle ?? "SothebAIs");

  const mentionsOf = (text: string) =>
    [...text.matchAll(/(^|[^\w@])@(\w{1,15})/g)].map((m) => {
      const start = m.index! + m[1].length;
      const u = byName.get(m[2].toLowerCase());
      return { start, end: start + m[2].length + 1, username: m[2], ...(u ? { id: u.id } : {}) };
    });

  const store = (
    author: FakeUser,
    text: string,
    createdMs: number,
    inReplyTo?: string,
    more: Pick<FakeInput, "quotes" | "editOf"> = {},
  ) => {
    const id = nextId(now());
    const parent = inReplyTo ? tweets.find((t) => t.id === inReplyTo) : undefined;
    const mentions = mentionsOf(text);
    const original = more.editOf ? tweets.find((t) => t.id === more.editOf) : undefined;
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
    for (const t of tweets) if (history.includes(t.id)) t.edit_history_tweet_ids = history;
    tweets.push(tweet);
    for (const stream of streams) stream.offer(tweet);
    return tweet;
  };

  // ---- rate limits -------------------------------------------------------

  const limitFor = (key: string): { limit: number; windowMs: number } | undefined =>
    tier.endpoints[key];

  /** Takes one request from the endpoint's window; false when exhausted. */
  const take = (key: string): { ok: boolean; window?: Window } => {
    const spec = limitFor(key);
    if (!spec) return { ok: true };
    let w = windows.get(key);
    if (!w || now() >= w.resetAt) {
      w = { ...spec, remaining: spec.limit, resetAt: now() + spec.windowMs };
      windows.set(key, w);
    }
    if (w.remaining <= 0) return { ok: false, window: w };
    w.remaining--;
    return { ok: true, window: w };
  };

  const dayWindow = (): Window => {
    const key = "POST /2/tweets 24h";
    let w = windows.get(key);
    if (!w || now() >= w.resetAt) {
      w = {
        limit: tier.postsPerDay,
        windowMs: 86_400_000,
        remaining: tier.postsPerDay,
        resetAt: now() + 86_400_000,
      };
      windows.set(key, w);
    }
    return w;
  };

  const setLimitHeaders = (c: Context, w?: Window) => {
    if (!w) return;
    c.header("x-rate-limit-limit", String(w.limit));
    c.header("x-rate-limit-remaining", String(Math.max(0, w.remaining)));
    c.header("x-rate-limit-reset", String(Math.ceil(w.resetAt / 1000)));
  };

  // ---- rendering as X does ----------------------------------------------

  const TWEET_FIELDS = new Set([
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
  ]);
  const USER_FIELDS = new Set(["created_at"]);

  const fieldsOf = (q: string | undefined) => new Set((q ?? "").split(",").filter(Boolean));

  const renderTweet = (t: FakeTweet, fields: Set<string>) => {
    const out: Record<string, unknown> = {
      id: t.id,
      text: t.text,
      edit_history_tweet_ids: t.edit_history_tweet_ids,
    };
    for (const f of fields) {
      const v = (t as unknown as Record<string, unknown>)[f];
      if (TWEET_FIELDS.has(f) && v !== undefined) out[f] = v;
    }
    return out;
  };

  const renderUser = (u: FakeUser, fields: Set<string>) => {
    const out: Record<string, unknown> = { id: u.id, name: u.name, username: u.username };
    for (const f of fields) if (USER_FIELDS.has(f)) out[f] = u[f as keyof FakeUser];
    return out;
  };

  const invalid = (c: Context, parameter: string, value: string, message: string) =>
    c.json({
      errors: [{ parameters: { [parameter]: [value] }, message }],
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      type: "https://api.twitter.com/2/problems/invalid-request",
    }, 400);

  const encodeToken = (id: string) => btoa(`until:${id}`).replace(/=+$/, "");
  const decodeToken = (token: string) => {
    try {
      const text = atob(token);
      return text.startsWith("until:") ? text.slice(6) : undefined;
    } catch {
      return undefined;
    }
  };

  /** A page of `matching` (newest first) with X's pagination and expansion rules. */
  const timelinePage = (
    c: Context,
    matching: (t: FakeTweet) => boolean,
    { min, max, dflt, tokenParam }: {
      min: number;
      max: number;
      dflt: number;
      tokenParam: string[];
    },
  ) => {
    const q = c.req.query();
    const maxResults = q.max_results === undefined ? dflt : Number(q.max_results);
    if (!Number.isInteger(maxResults) || maxResults < min || maxResults > max) {
      return invalid(
        c,
        "max_results",
        String(q.max_results),
        `The \`max_results\` query parameter value [${q.max_results}] is not between ${min} and ${max}`,
      );
    }
    for (const p of ["since_id", "until_id"]) {
      if (q[p] !== undefined && !/^\d{1,19}$/.test(q[p])) {
        return invalid(
          c,
          p,
          q[p],
          `The \`${p}\` query parameter value [${q[p]}] is not a valid Post ID`,
        );
      }
    }
    const token = tokenParam.map((p) => q[p]).find((v) => v !== undefined);
    let until = q.until_id ? BigInt(q.until_id) : undefined;
    if (token !== undefined) {
      const decoded = decodeToken(token);
      if (!decoded) {
        return invalid(
          c,
          tokenParam[0],
          token,
          `The \`${tokenParam[0]}\` query parameter value [${token}] is not valid`,
        );
      }
      until = BigInt(decoded);
    }
    const since = q.since_id ? BigInt(q.since_id) : undefined;
    const startMs = q.start_time ? Date.parse(q.start_time) : undefined;
    const endMs = q.end_time ? Date.parse(q.end_time) : undefined;
    const all = tweets.filter((t) => {
      const id = BigInt(t.id);
      if (since !== undefined && id <= since) return false;
      if (until !== undefined && id >= until) return false;
      const at = Date.parse(t.created_at);
      if (startMs !== undefined && at < startMs) return false;
      if (endMs !== undefined && at >= endMs) return false;
      return matching(t);
    }).reverse();
    const page = all.slice(0, maxResults);
    countRead(page.map((t) => t.id));
    const tweetFields = fieldsOf(q["tweet.fields"]);
    const userFields = fieldsOf(q["user.fields"]);
    const expansions = fieldsOf(q.expansions);
    if (!page.length) return c.json({ meta: { result_count: 0 } });
    const body: Record<string, unknown> = { data: page.map((t) => renderTweet(t, tweetFields)) };
    if (expansions.has("author_id")) {
      const ids = [...new Set(page.map((t) => t.author_id))];
      body.includes = { users: ids.map((id) => renderUser(users.get(id)!, userFields)) };
    }
    const meta: Record<string, unknown> = {
      result_count: page.length,
      newest_id: page[0].id,
      oldest_id: page.at(-1)!.id,
    };
    if (all.length > page.length) meta.next_token = encodeToken(page.at(-1)!.id);
    body.meta = meta;
    return c.json(body);
  };

  const mentionsHost = (u: FakeUser) => (t: FakeTweet) =>
    t.author_id !== u.id && !missingFromMentions.has(t.id) &&
    (t.entities?.mentions ?? []).some((m) => m.username.toLowerCase() === u.username.toLowerCase());

  /** The subset of the query language the plugin uses: terms ANDed, `@name` mentions, `-is:retweet`. */
  const matcher = (query: string) => {
    const terms = query.split(/\s+/).filter((t) => t && !t.startsWith("-is:"));
    const noRetweets = query.split(/\s+/).includes("-is:retweet");
    return (t: FakeTweet) =>
      !(noRetweets && t.referenced_tweets?.some((r) => r.type === "retweeted")) &&
      terms.every((term) =>
        term.startsWith("@")
          ? (t.entities?.mentions ?? []).some((m) =>
            m.username.toLowerCase() === term.slice(1).toLowerCase()
          )
          : t.text.toLowerCase().includes(term.toLowerCase())
      );
  };

  // ---- the app -------------------------------------------------------------

  const app = new Hono();

  /** Auth: X answers 401 without credentials; user-context endpoints refuse app-only tokens. */
  const authOf = (c: Context): "user" | "app" | undefined => {
    const h = c.req.header("authorization") ?? "";
    if (h.startsWith("OAuth ")) return "user";
    if (h.startsWith("Bearer ") && h.length > 7) return "app";
    return undefined;
  };

  const unsupportedAuth = (c: Context) =>
    c.json(
      problem(
        403,
        "Unsupported Authentication",
        "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
        "https://api.twitter.com/2/problems/unsupported-authentication",
      ),
      403,
    );

  const duplicateContent = (c: Context) =>
    c.json({
      ...problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."),
      errors: [{ code: 187, message: "Status is a duplicate." }],
    }, 403);

  /** Wraps an API route: counts, checks auth, applies forced faults and the rate limit. */
  const route = (
    key: string,
    handler: (c: Context, w?: Window) => Response | Promise<Response>,
    { userOnly = false, appOnly = false } = {},
  ) =>
  async (c: Context) => {
    requests[key] = (requests[key] ?? 0) + 1;
    const auth = authOf(c);
    if (!auth) return c.json(problem(401, "Unauthorized", "Unauthorized"), 401);
    if (userOnly && auth !== "user") return unsupportedAuth(c);
    if (appOnly && auth !== "app") {
      return c.json(
        problem(
          403,
          "Unsupported Authentication",
          "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].",
          "https://api.twitter.com/2/problems/unsupported-authentication",
        ),
        403,
      );
    }
    const i = faults.findIndex((f) =>
      (!f.path || c.req.path.startsWith(f.path)) && (!f.method || f.method === c.req.method)
    );
    const f = i >= 0 ? faults[i] : undefined;
    if (READS.has(key) && overCap()) {
      capped++;
      return c.json({
        title: "UsageCapExceeded",
        detail: "Usage cap exceeded: Monthly product cap",
        type: "https://api.twitter.com/2/problems/usage-capped",
        period: "Monthly",
        scope: "Product",
        status: 429,
      }, 429);
    }
    if (f && f.after) f.after--;
    else if (f) {
      if (--f.times <= 0) faults.splice(i, 1);
      faultsServed++;
      if (f.commit && c.req.method === "POST" && c.req.path === "/2/tweets") {
        await handler(c); // the tweet is stored; the client sees only the failure
      }
      if (f.status === 0) {
        // A response cut off mid-body, as when the connection drops.
        return new Response('{"data":[{"id":"', {
          status: 200,
          headers: { "content-type": "application/json" },
        });
      }
      if (f.status === 429) {
        const spec = limitFor(key) ?? { limit: 1, windowMs: 60_000 };
        const w = windows.get(key) ??
          { ...spec, remaining: 0, resetAt: now() + spec.windowMs };
        w.remaining = 0;
        windows.set(key, w);
        rateLimited++;
        if (!f.noReset) setLimitHeaders(c, w);
        return c.json(problem(429, "Too Many Requests", "Too Many Requests"), 429);
      }
      if (f.status === 187) return duplicateContent(c);
      if (f.status === 226) {
        return c.json({
          ...problem(
            403,
            "Forbidden",
            "This request looks like it might be automated. To protect our users from spam and other malicious activity, we can't complete this action right now. Please try again later.",
          ),
          errors: [{
            code: 226,
            message:
              "This request looks like it might be automated. To protect our users from spam and other malicious activity, we can't complete this action right now. Please try again later.",
          }],
        }, 403);
      }
      const title = f.status === 503 ? "Service Unavailable" : "Internal Server Error";
      return c.json(problem(f.status, title, title), f.status as 500);
    }
    const { ok, window } = take(key);
    setLimitHeaders(c, window);
    if (!ok) {
      rateLimited++;
      return c.json(problem(429, "Too Many Requests", "Too Many Requests"), 429);
    }
    return handler(c, window);
  };

  app.get(
    "/2/users/me",
    route(
      "GET /2/users/me",
      (c) => c.json({ data: renderUser(host, fieldsOf(c.req.query("user.fields"))) }),
      {
        userOnly: true,
      },
    ),
  );

  app.get(
    "/2/users/by/username/:username",
    route("GET /2/users/by/username/:username", (c) => {
      const name = c.req.param("username") ?? "";
      const u = byName.get(name.toLowerCase());
      if (!u) {
        return c.json({
          errors: [{
            value: name,
            detail: `Could not find user with username: [${name}].`,
            title: "Not Found Error",
            resource_type: "user",
            parameter: "username",
            resource_id: name,
            type: "https://api.twitter.com/2/problems/resource-not-found",
          }],
        });
      }
      return c.json({ data: renderUser(u, fieldsOf(c.req.query("user.fields"))) });
    }),
  );

  app.get(
    "/2/users/:id/mentions",
    route("GET /2/users/:id/mentions", (c) => {
      const u = users.get(c.req.param("id") ?? "");
      if (!u) return c.json(problem(404, "Not Found Error", "User not found"), 404);
      return timelinePage(c, mentionsHost(u), {
        min: 5,
        max: 100,
        dflt: 10,
        tokenParam: ["pagination_token"],
      });
    }),
  );

  app.get(
    "/2/users/:id/tweets",
    route("GET /2/users/:id/tweets", (c) => {
      const id = c.req.param("id") ?? "";
      return timelinePage(c, (t) => t.author_id === id, {
        min: 5,
        max: 100,
        dflt: 10,
        tokenParam: ["pagination_token"],
      });
    }),
  );

  app.get(
    "/2/tweets/search/recent",
    route("GET /2/tweets/search/recent", (c) => {
      const query = c.req.query("query");
      if (!query) {
        return invalid(c, "query", "", "The `query` query parameter can not be empty");
      }
      // Recent search covers the last 7 days, up to 10 seconds before the request.
      const start = c.req.query("start_time");
      const end = c.req.query("end_time");
      for (const [name, value] of [["start_time", start], ["end_time", end]] as const) {
        if (value !== undefined && Number.isNaN(Date.parse(value))) {
          return invalid(c, name, value, `Invalid ${name} [${value}]`);
        }
      }
      const weekAgo = new Date(now() - 7 * 86_400_000).toISOString();
      if (start !== undefined && Date.parse(start) < Date.parse(weekAgo)) {
        return invalid(
          c,
          "start_time",
          start,
          `Invalid 'start_time':'${start}'. 'start_time' must be on or after ${weekAgo}`,
        );
      }
      if (end !== undefined && Date.parse(end) > now() - 10_000) {
        return invalid(
          c,
          "end_time",
          end,
          `Invalid 'end_time':'${end}'. 'end_time' must be a minimum of 10 seconds prior to the request time.`,
        );
      }
      return timelinePage(c, matcher(query), {
        min: 10,
        max: 100,
        dflt: 10,
        tokenParam: ["next_token", "pagination_token"],
      });
    }),
  );

  app.post(
    "/2/tweets",
    route("POST /2/tweets", async (c, w) => {
      const day = dayWindow();
      const setDay = () => {
        c.header("x-user-limit-24hour-limit", String(day.limit));
        c.header("x-user-limit-24hour-remaining", String(Math.max(0, day.remaining)));
        c.header("x-user-limit-24hour-reset", String(Math.ceil(day.resetAt / 1000)));
      };
      if (day.remaining <= 0) {
        setDay();
        rateLimited++;
        return c.json(problem(429, "Too Many Requests", "Too Many Requests"), 429);
      }
      let body: { text?: string; reply?: { in_reply_to_tweet_id?: string } };
      try {
        body = await c.req.json();
      } catch {
        return c.json(problem(400, "Invalid Request", "Request body is not valid JSON."), 400);
      }
      const text = body.text ?? "";
      if (!text.trim()) {
        return c.json(
          problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "https://api.twitter.com/2/problems/invalid-request",
          ),
          400,
        );
      }
      if ([...text].length > 280) {
        return c.json(
          problem(403, "Forbidden", "Your Tweet text is too long.", "about:blank"),
          403,
        );
      }
      if (
        options.refuseDuplicates !== false &&
        posted.some((t) => t.text === text && now() - Date.parse(t.created_at) < 86_400_000)
      ) {
        return duplicateContent(c);
      }
      const replyTo = body.reply?.in_reply_to_tweet_id;
      if (replyTo && !tweets.some((t) => t.id === replyTo)) {
        return c.json(
          problem(
            403,
            "Forbidden",
            "You attempted to reply to a Tweet that is deleted or not visible to you.",
          ),
          403,
        );
      }
      if (options.postDelayMs) await new Promise((r) => setTimeout(r, options.postDelayMs));
      const tweet = store(host, text, now(), replyTo);
      posted.push(tweet);
      day.remaining--;
      setDay();
      setLimitHeaders(c, w);
      await options.onPost?.(tweet);
      return c.json(
        { data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] } },
        201,
      );
    }, { userOnly: true }),
  );

  // ---- filtered stream (Pro and above; app-only auth) ----------------------

  const notEnrolled = (c: Context) =>
    c.json({
      client_id: "fake",
      detail:
        "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
      registration_url: "https://developer.twitter.com/en/docs/projects/overview",
      title: "Client Forbidden",
      required_enrollment: "Appropriate Level of API Access",
      reason: "client-not-enrolled",
      type: "https://api.twitter.com/2/problems/client-forbidden",
    }, 403);

  app.get(
    "/2/tweets/search/stream/rules",
    route("GET /2/tweets/search/stream/rules", (c) => {
      if (!tier.stream) return notEnrolled(c);
      const sent = new Date(now()).toISOString();
      return c.json(
        rules.length
          ? { data: rules, meta: { sent, result_count: rules.length } }
          : { meta: { sent, result_count: 0 } },
      );
    }, { appOnly: true }),
  );

  app.post(
    "/2/tweets/search/stream/rules",
    route("POST /2/tweets/search/stream/rules", async (c) => {
      if (!tier.stream) return notEnrolled(c);
      const body = await c.req.json() as {
        add?: Array<{ value: string; tag?: string }>;
        delete?: { ids: string[] };
      };
      const sent = new Date(now()).toISOString();
      if (body.delete) {
        const before = rules.length;
        for (const id of body.delete.ids) {
          const i = rules.findIndex((r) => r.id === id);
          if (i >= 0) rules.splice(i, 1);
        }
        const deleted = before - rules.length;
        return c.json({
          meta: { sent, summary: { deleted, not_deleted: body.delete.ids.length - deleted } },
        });
      }
      const added = (body.add ?? []).filter((r) => !rules.some((x) => x.value === r.value))
        .map((r) => ({ id: String(ruleSeq++), value: r.value, ...(r.tag ? { tag: r.tag } : {}) }));
      rules.push(...added);
      const n = (body.add ?? []).length;
      return c.json({
        ...(added.length ? { data: added } : {}),
        meta: {
          sent,
          summary: { created: added.length, not_created: n - added.length, valid: n, invalid: 0 },
        },
      }, 201);
    }, { appOnly: true }),
  );

  app.get(
    "/2/tweets/search/stream",
    route("GET /2/tweets/search/stream", (c) => {
      if (!tier.stream) return notEnrolled(c);
      if (streams.size >= 1) {
        return c.json({
          title: "ConnectionException",
          detail: "This stream is currently at the maximum allowed connection limit.",
          connection_issue: "TooManyConnections",
          type: "https://api.twitter.com/2/problems/streaming-connection",
        }, 429);
      }
      const q = c.req.query();
      const tweetFields = fieldsOf(q["tweet.fields"]);
      const userFields = fieldsOf(q["user.fields"]);
      const expansions = fieldsOf(q.expansions);
      const encoder = new TextEncoder();
      let stream: { offer(t: FakeTweet): void; close(): void } | undefined;
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(ctrl) {
          stream = {
            offer(t) {
              const matching = rules.filter((r) => matcher(r.value)(t));
              if (!matching.length) return;
              countRead([t.id]);
              const payload: Record<string, unknown> = {
                data: renderTweet(t, tweetFields),
                matching_rules: matching.map((r) => ({
                  id: r.id,
                  ...(r.tag ? { tag: r.tag } : {}),
                })),
              };
              if (expansions.has("author_id")) {
                payload.includes = { users: [renderUser(users.get(t.author_id)!, userFields)] };
              }
              ctrl.enqueue(encoder.encode(JSON.stringify(payload) + "\r\n"));
            },
            close() {
              streams.delete(stream!);
              clearInterval(heartbeat);
              try {
                ctrl.close();
              } catch { /* already closed */ }
            },
          };
          streams.add(stream);
          // X sends a blank line every 20 s to keep the connection alive.
          heartbeat = setInterval(() => ctrl.enqueue(encoder.encode("\r\n")), 20_000);
        },
        cancel() {
          streams.delete(stream!);
          clearInterval(heartbeat);
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    }, { appOnly: true }),
  );

  // ---- usage (app-only): the project's posts read against the monthly cap ----

  app.get(
    "/2/usage/tweets",
    route("GET /2/usage/tweets", (c) => {
      const days = c.req.query("days") === undefined ? 7 : Number(c.req.query("days"));
      if (!Number.isInteger(days) || days < 1 || days > 90) {
        return invalid(c, "days", String(c.req.query("days")), "days must be between 1 and 90");
      }
      countRead([]);
      const today = Date.parse(`${readDay}T00:00:00Z`);
      const usage = [];
      for (let i = days - 1; i >= 0; i--) {
        const day = new Date(today - i * 86_400_000).toISOString().slice(0, 10);
        usage.push({ date: `${day}T00:00:00.000Z`, usage: String(dailyReads.get(day) ?? 0) });
      }
      return c.json({
        data: {
          cap_reset_day: 1,
          project_id: "1",
          project_cap: String(tier.monthlyReads),
          project_usage: String(postsRead),
          daily_project_usage: { project_id: "1", usage },
        },
      });
    }, { appOnly: true }),
  );

  // ---- control API ---------------------------------------------------------

  const inject: FakeX["inject"] = (input) => {
    const { author, text, createdAt, inReplyTo } = input;
    const tweet = store(user(author), text, createdAt ? Date.parse(createdAt) : now(), inReplyTo, {
      quotes: input.quotes,
      editOf: input.editOf,
    });
    if (input.missingFromMentions) missingFromMentions.add(tweet.id);
    return tweet;
  };

  app.post("/_fake/tweets", async (c) => {
    const input = await c.req.json();
    const list = Array.isArray(input) ? input : [input];
    return c.json({ data: list.map((t) => inject(t)) }, 201);
  });
  app.get("/_fake/tweets", (c) => c.json({ data: tweets }));
  app.get("/_fake/posts", (c) => c.json({ data: posted }));
  app.post("/_fake/faults", async (c) => {
    const f = await c.req.json() as Fault;
    faults.push({ ...f, times: f.times ?? 1 });
    return c.json({ ok: true });
  });
  app.get("/_fake/stats", (c) => c.json(stats()));
  /** Closes every open filtered stream, as a network cut would. */
  app.post("/_fake/stream/disconnect", (c) => {
    const n = streams.size;
    for (const s of [...streams]) s.close();
    return c.json({ closed: n });
  });
  app.get("/_fake/users", (c) => c.json({ data: [...users.values()] }));

  const stats = () => {
    countRead([]);
    return { requests: { ...requests }, rateLimited, faults: faultsServed, postsRead, capped };
  };

  app.onError((error, c) => {
    return c.json(problem(500, "Internal Server Error", String(error.message)), 500);
  });

  return {
    app,
    fetch: (request) => app.fetch(request),
    user,
    host,
    inject,
    posts: () => [...posted],
    fault: (f) => faults.push({ ...f }),
    disconnectStreams: () => {
      for (const s of [...streams]) s.close();
    },

    stats,
    options,
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
