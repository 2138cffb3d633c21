/**
 * How the fake X answers, as X does: fields only when asked (`tweet.fields`, `user.fields`),
 * `includes.users` for `expansions=author_id`, `meta` with X's pagination, problem-JSON errors;
 * and `route`, the wrapper every API route goes through (counts the request, checks the kind of
 * authentication, serves forced faults and the monthly cap, then the endpoint's window — the
 * per-app one for a Bearer token where the endpoint has one, else the per-user one, each with its
 * own `x-rate-limit-*` headers and 429s; the monthly cap counts both).
 * Stateless but for the `FakeXState` it is given.
 */
import type { Context } from "hono";
import {
  countLimited,
  countRead,
  type FakeTweet,
  type FakeUser,
  type FakeXState,
  overCap,
  take,
  type Window,
  windowOf,
} from "./fake_x_state.ts";

/** The endpoints whose posts count against the monthly cap. */
const READS = new Set([
  "GET /2/users/:id/mentions",
  "GET /2/users/:id/tweets",
  "GET /2/tweets/search/recent",
  "GET /2/tweets/search/stream",
]);

export const problem = (status: number, title: string, detail: string, type = "about:blank") => ({
  title,
  detail,
  type,
  status,
});

const TWEET_FIELDS = new Set([
  "created_at",
  "author_id",
  "conversation_id",
  "in_reply_to_user_id",
  "referenced_tweets",
  "entities",
]);
const USER_FIELDS = new Set(["created_at"]);

export const fieldsOf = (q: string | undefined) => new Set((q ?? "").split(",").filter(Boolean));

export const renderTweet = (t: FakeTweet, fields: Set<string>) => {
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

export const renderUser = (u: FakeUser, fields: Set<string>) => {
  const out: Record<string, unknown> = { id: u.id, name: u.name, username: u.username };
  for (const f of fields) if (USER_FIELDS.has(f)) out[f] = u[f as keyof FakeUser];
  return out;
};

export const invalid = (c: Context, parameter: string, value: string, message: string) =>
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
export function timelinePage(
  s: FakeXState,
  c: Context,
  matching: (t: FakeTweet) => boolean,
  { min, max, dflt, tokenParam, defaultEndMs }: {
    min: number;
    max: number;
    dflt: number;
    tokenParam: string[];
    /** Without `end_time`: nothing created at or after this (recent search's 30 s). */
    defaultEndMs?: number;
  },
) {
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
  const endMs = q.end_time ? Date.parse(q.end_time) : defaultEndMs;
  // Tweets are kept in ascending id: start after `since_id` (a month of tweets is read in ms).
  const all = s.tweets.slice(since === undefined ? 0 : firstAfter(s.tweets, since)).filter((t) => {
    const id = BigInt(t.id);
    if (since !== undefined && id <= since) return false;
    if (until !== undefined && id >= until) return false;
    const at = Date.parse(t.created_at);
    if (startMs !== undefined && at < startMs) return false;
    if (endMs !== undefined && at >= endMs) return false;
    return matching(t);
  }).reverse();
  const page = all.slice(0, maxResults);
  countRead(s, page.map((t) => t.id));
  const tweetFields = fieldsOf(q["tweet.fields"]);
  const userFields = fieldsOf(q["user.fields"]);
  const expansions = fieldsOf(q.expansions);
  if (!page.length) return c.json({ meta: { result_count: 0 } });
  const body: Record<string, unknown> = { data: page.map((t) => renderTweet(t, tweetFields)) };
  if (expansions.has("author_id")) {
    const ids = [...new Set(page.map((t) => t.author_id))];
    body.includes = { users: ids.map((id) => renderUser(s.users.get(id)!, userFields)) };
  }
  const meta: Record<string, unknown> = {
    result_count: page.length,
    newest_id: page[0].id,
    oldest_id: page.at(-1)!.id,
  };
  if (all.length > page.length) meta.next_token = encodeToken(page.at(-1)!.id);
  body.meta = meta;
  return c.json(body);
}

/** The index of the first tweet with an id above `id` (the list is in ascending id). */
function firstAfter(tweets: FakeTweet[], id: bigint): number {
  let lo = 0, hi = tweets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (BigInt(tweets[mid].id) <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const mentionsHost = (s: FakeXState, u: FakeUser) => (t: FakeTweet) =>
  t.author_id !== u.id && !s.missingFromMentions.has(t.id) &&
  (t.entities?.mentions ?? []).some((m) => m.username.toLowerCase() === u.username.toLowerCase());

/** The subset of the query language the plugin uses: terms ANDed, `@name` mentions, `-is:retweet`. */
export const matcher = (query: string) => {
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

/** Auth: X answers 401 without credentials; user-context endpoints refuse app-only tokens. */
const authOf = (c: Context): "user" | "app" | undefined => {
  const h = c.req.header("authorization") ?? "";
  if (h.startsWith("OAuth ")) return "user";
  if (h.startsWith("Bearer ") && h.length > 7) return "app";
  return undefined;
};

export const unsupportedAuth = (c: Context) =>
  c.json(
    problem(
      403,
      "Unsupported Authentication",
      "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
      "https://api.twitter.com/2/problems/unsupported-authentication",
    ),
    403,
  );

export const duplicateContent = (c: Context) =>
  c.json({
    ...problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."),
    errors: [{ code: 187, message: "Status is a duplicate." }],
  }, 403);

/** Wraps an API route: counts, checks auth, applies forced faults and the rate limit. */
export const route = (
  s: FakeXState,
  key: string,
  handler: (c: Context, w?: Window) => Response | Promise<Response>,
  { userOnly = false, appOnly = false } = {},
) =>
async (c: Context) => {
  s.requests[key] = (s.requests[key] ?? 0) + 1;
  const auth = authOf(c);
  if (!auth) return c.json(problem(401, "Unauthorized", "Unauthorized"), 401);
  if (auth === "app") s.appRequests[key] = (s.appRequests[key] ?? 0) + 1;
  if (auth === "app" && s.options.refuseBearer) {
    return s.options.refuseBearer === 401
      ? c.json(problem(401, "Unauthorized", "Unauthorized"), 401)
      : notEnrolled(c);
  }
  const { windowKey, spec: windowSpec, app } = windowOf(s, key, auth);
  const headers = (w?: Window) => setLimitHeaders(c, w, app ? s.options.appHeaders : undefined);
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
  const i = s.faults.findIndex((f) =>
    (!f.path || c.req.path.startsWith(f.path)) && (!f.method || f.method === c.req.method) &&
    (!f.auth || f.auth === auth)
  );
  const f = i >= 0 ? s.faults[i] : undefined;
  if (READS.has(key) && overCap(s)) {
    s.reads.capped++;
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
    if (--f.times <= 0) s.faults.splice(i, 1);
    s.faultsServed++;
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
      const spec = windowSpec ?? { limit: 1, windowMs: 60_000 };
      const open = s.windows.get(windowKey);
      const w = open && s.now() < open.resetAt
        ? open
        : { ...spec, remaining: 0, resetAt: s.now() + spec.windowMs };
      w.remaining = 0;
      s.windows.set(windowKey, w);
      countLimited(s, windowKey);
      if (!f.noReset) headers(w);
      return tooManyRequests(c);
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
  const { ok, window } = take(s, key, auth);
  headers(window);
  if (!ok) {
    countLimited(s, windowKey);
    return tooManyRequests(c);
  }
  return handler(c, window);
};

export const notEnrolled = (c: Context) =>
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

export const tooManyRequests = (c: Context) =>
  c.json(problem(429, "Too Many Requests", "Too Many Requests"), 429);

export const setLimitHeaders = (c: Context, w?: Window, kind?: "missing" | "lying") => {
  if (!w || kind === "missing") return;
  const lie = kind === "lying";
  c.header("x-rate-limit-limit", String(w.limit * (lie ? 10 : 1)));
  c.header(
    "x-rate-limit-remaining",
    String(Math.max(0, w.remaining) * (lie ? 10 : 1) + (lie ? 9 : 0)),
  );
  c.header("x-rate-limit-reset", String(Math.ceil((w.resetAt + (lie ? 86_400_000 : 0)) / 1000)));
};
