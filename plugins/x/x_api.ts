/**
 * The X API v2 as the plugin uses it, over `twitter-api-v2`. The library has no
 * base-URL setting, so a small subclass sets the v2 client's `_prefix` to
 * `X_API_BASE_URL` + `/2/`; a plain-http base gets `http.Agent` (the library
 * calls `https.request`). Rate limits are read from each response, never from
 * the library's cache (which ignores a changed prefix), and only when they are
 * numbers (a header missing or garbled is no rate limit). A read can be made as
 * the user (OAuth 1.0a) or as the app (the Bearer token): X keeps a window for
 * each (`auth`); `readAuths` says which this client can use.
 */
import http from "node:http";
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
  TwitterApiv2,
} from "twitter-api-v2";

export interface XCredentials {
  apiKey?: string;
  apiSecret?: string;
  accessToken?: string;
  accessSecret?: string;
  bearerToken?: string;
}

export interface RateLimit {
  limit: number;
  remaining: number;
  /** Epoch ms. */
  resetAt: number;
  /** The 24-hour per-user posting window, when X reports it. */
  day?: { limit: number; remaining: number; resetAt: number };
}

export interface XTweet {
  id: string;
  text: string;
  authorId: string;
  /** `@name` as X spells it. */
  handle: string;
  /** ISO, from X's `created_at`. */
  createdAt: string;
  /** The tweet this one retweets or quotes (`referenced_tweets`): its words are not the author's bid. */
  quotes?: string;
  /** Every version of an edited tweet, oldest first (`edit_history_tweet_ids`), when there are several. */
  editHistory?: string[];
}

/** Whom a read is made as: the user's OAuth 1.0a tokens, or the app's Bearer token. */
export type ReadAuth = "user" | "app";

export interface XPage<T> {
  items: T[];
  nextToken?: string;
  rateLimit?: RateLimit;
}

/**
 * `capped`: the month's posts-read cap is spent (429 UsageCapExceeded); `automated`: X's
 * error 226 ("this request looks like it might be automated"), which wants a long pause.
 */
export type XErrorKind =
  | "rate-limited"
  | "transient"
  | "duplicate"
  | "rejected"
  | "capped"
  | "automated";

/** A failed call, sorted by what the caller should do about it. */
export class XApiError extends Error {
  override name = "XApiError";
  constructor(
    message: string,
    readonly kind: XErrorKind,
    readonly status?: number,
    /** For `rate-limited`: epoch ms when the window resets. */
    readonly resetAt?: number,
  ) {
    super(message);
  }
}

export interface XApi {
  /** The account posting: `users/me` with user credentials, else by handle. */
  account(handle: string): Promise<{ id: string; handle: string }>;
  mentions(
    userId: string,
    page: { sinceId?: string; paginationToken?: string; maxResults?: number; auth?: ReadAuth },
  ): Promise<XPage<XTweet>>;
  /**
   * Recent search; `startTime` / `endTime` (ISO, whole seconds) bound it to the tweets created
   * then. Without `endTime` X answers up to 30 s ago; it accepts one as recent as 10 s ago.
   */
  search(
    query: string,
    page: {
      sinceId?: string;
      paginationToken?: string;
      maxResults?: number;
      startTime?: string;
      endTime?: string;
      auth?: ReadAuth;
    },
  ): Promise<XPage<XTweet>>;
  /** The account's own recent tweets (to reconcile a post whose answer was lost). */
  ownTweets(userId: string, since: string): Promise<XPage<{ id: string; text: string }>>;
  post(text: string, replyTo?: string): Promise<{ id: string; rateLimit?: RateLimit }>;
  /** Whether posting is possible (user-context credentials). */
  canPost: boolean;
  /** Whom reads can be made as (the first is the default): the user, the app, or both. */
  readAuths: ReadAuth[];
}

/**
 * How fresh recent search can be asked to be. X's documentation (read 2026-12-01,
 * docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent): without `end_time` it
 * answers "from up to 30 seconds ago", and an `end_time` must be "a minimum of 10 seconds prior to
 * the request time". So every search here asks `end_time = now − 11 s` (1 s for clock skew), and
 * a search read vouches for nothing newer than that.
 */
export const SEARCH_FRESHEST_MS = 11_000;

/**
 * What a search made at `t` vouches for: every tweet created up to `t − 12 s`. Its `end_time` is
 * `t − 11 s` floored to the second, and exclusive (X: "12:00:01 excludes the first second"), so
 * a watermark of `t − 11 s` would claim up to a second it did not read.
 */
export const SEARCH_VOUCHES_MS = SEARCH_FRESHEST_MS + 1000;

/** `end_time` for a search made at `nowMs`: the freshest X allows, in whole seconds. */
export const searchEndTime = (nowMs: number) =>
  new Date(Math.floor((nowMs - SEARCH_FRESHEST_MS) / 1000) * 1000).toISOString().replace(
    /\.000Z$/,
    "Z",
  );

/** The v2 client pointed at another base URL. */
export class PrefixedV2 extends TwitterApiv2 {
  constructor(instance: TwitterApi, prefix: string) {
    super(instance);
    this._prefix = prefix;
  }
}

const TWEET_QUERY = {
  "tweet.fields": "created_at,author_id,conversation_id,referenced_tweets,edit_history_tweet_ids",
  expansions: "author_id",
  "user.fields": "username",
};

type RawRateLimit = {
  limit: number;
  remaining: number;
  reset: number;
  userDay?: { limit: number; remaining: number; reset: number };
};

const whole = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;

const toRateLimit = (r?: RawRateLimit): RateLimit | undefined =>
  r && whole(r.limit) && whole(r.remaining) && whole(r.reset)
    ? {
      limit: r.limit,
      remaining: r.remaining,
      resetAt: r.reset * 1000,
      ...(r.userDay
        ? {
          day: {
            limit: r.userDay.limit,
            remaining: r.userDay.remaining,
            resetAt: r.userDay.reset * 1000,
          },
        }
        : {}),
    }
    : undefined;

function classify(error: unknown): XApiError {
  if (error instanceof XApiError) return error;
  if (error instanceof ApiResponseError) {
    const data = error.data as
      | { detail?: string; type?: string; errors?: Array<{ code?: number }> }
      | undefined;
    const detail = data?.detail ?? error.message;
    const codes = Array.isArray(data?.errors) ? data.errors.map((e) => e?.code) : [];
    if (error.code === 429 && /usage-capped/.test(String(data?.type ?? ""))) {
      return new XApiError(detail, "capped", 429);
    }
    if (codes.includes(226) || /might be automated/i.test(detail)) {
      return new XApiError(detail, "automated", error.code);
    }
    if (error.code === 429) {
      const rl = error.rateLimit as RawRateLimit | undefined;
      const day = rl?.userDay && rl.userDay.remaining <= 0 ? rl.userDay.reset : undefined;
      const reset = day ?? rl?.reset;
      return new XApiError(detail, "rate-limited", 429, reset ? reset * 1000 : undefined);
    }
    if (error.code >= 500) return new XApiError(detail, "transient", error.code);
    if (error.code === 403 && (codes.includes(187) || /duplicate content/i.test(detail))) {
      return new XApiError(detail, "duplicate", 403);
    }
    return new XApiError(detail, "rejected", error.code);
  }
  if (error instanceof ApiRequestError || error instanceof ApiPartialResponseError) {
    return new XApiError(error.message, "transient");
  }
  return new XApiError(error instanceof Error ? error.message : String(error), "transient");
}

async function guarded<T extends { data: unknown }>(work: () => Promise<T>): Promise<T> {
  try {
    const res = await work();
    // A body cut short parses to nothing or to text: a network fault, not an answer.
    if (!res.data || typeof res.data !== "object") {
      throw new XApiError("incomplete response", "transient");
    }
    return res;
  } catch (error) {
    throw classify(error);
  }
}

/** An app-only (bearer) v2 client, for the filtered stream. */
export function createAppClient(baseUrl: string, bearerToken: string): PrefixedV2 {
  const settings = baseUrl.startsWith("http://") ? { httpAgent: new http.Agent() } : {};
  return new PrefixedV2(
    new TwitterApi(bearerToken, settings),
    `${baseUrl.replace(/\/+$/, "")}/2/`,
  );
}

export interface RawPage {
  data?: Array<{
    id: string;
    text: string;
    author_id?: string;
    created_at?: string;
    referenced_tweets?: Array<{ type: string; id: string }>;
    edit_history_tweet_ids?: string[];
  }>;
  includes?: { users?: Array<{ id: string; username: string }> };
  meta?: { next_token?: string; result_count?: number };
  errors?: Array<{ detail?: string; title?: string }>;
}

/** Tweet ids are decimal strings; anything else from the wire is dropped. */
const ID = /^[0-9]{1,20}$/;

export function tweetsOf(page: RawPage): XTweet[] {
  const names = new Map((page.includes?.users ?? []).map((u) => [u.id, u.username]));
  return (page.data ?? []).filter((t) => ID.test(String(t.id))).map((t) => {
    const quoted = (t.referenced_tweets ?? []).find((r) =>
      r.type === "quoted" || r.type === "retweeted"
    );
    const history = (t.edit_history_tweet_ids ?? []).filter((id) => ID.test(id)).slice(0, 10);
    return {
      id: t.id,
      // Postgres text cannot hold NUL; a tweet that carries one must not stop the reader.
      text: String(t.text ?? "").replaceAll("\u0000", "\uFFFD").slice(0, 4000),
      authorId: t.author_id ?? "",
      handle: `@${names.get(t.author_id ?? "") ?? t.author_id}`,
      createdAt: t.created_at ?? "",
      ...(quoted && ID.test(quoted.id) ? { quotes: quoted.id } : {}),
      ...(history.length > 1 ? { editHistory: history } : {}),
    };
  });
}

export function createXApi(
  baseUrl: string,
  credentials: XCredentials,
  { timeoutMs = 15_000 } = {},
): XApi {
  const user = credentials.apiKey && credentials.apiSecret && credentials.accessToken &&
    credentials.accessSecret;
  const settings = baseUrl.startsWith("http://") ? { httpAgent: new http.Agent() } : {};
  const root = user
    ? new TwitterApi({
      appKey: credentials.apiKey!,
      appSecret: credentials.apiSecret!,
      accessToken: credentials.accessToken!,
      accessSecret: credentials.accessSecret!,
    }, settings)
    // Read-only with an app token; a local fake accepts any bearer.
    : new TwitterApi(credentials.bearerToken || "local-fake-x", settings);
  const prefix = `${baseUrl.replace(/\/+$/, "")}/2/`;
  const v2 = new PrefixedV2(root, prefix);
  // Beside the user's tokens, the app's: reads as the app count against the per-app window.
  const appV2 = user && credentials.bearerToken
    ? new PrefixedV2(new TwitterApi(credentials.bearerToken, settings), prefix)
    : undefined;
  const readAuths: ReadAuth[] = user ? (appV2 ? ["user", "app"] : ["user"]) : ["app"];
  const opts = { fullResponse: true as const, timeout: timeoutMs };

  const page = async (
    endpoint: string,
    query: Record<string, string | number>,
    params?: Record<string, string>,
    auth?: ReadAuth,
  ): Promise<XPage<XTweet>> => {
    const client = auth === "app" && appV2 ? appV2 : v2;
    const res = await guarded(() => client.get<RawPage>(endpoint, query, { ...opts, params }));
    return {
      items: tweetsOf(res.data),
      nextToken: res.data.meta?.next_token,
      rateLimit: toRateLimit(res.rateLimit as RawRateLimit | undefined),
    };
  };

  const timelineQuery = (
    p: { sinceId?: string; paginationToken?: string; maxResults?: number },
  ) => ({
    ...TWEET_QUERY,
    max_results: p.maxResults ?? 100,
    ...(p.sinceId ? { since_id: p.sinceId } : {}),
  });

  return {
    canPost: Boolean(user),
    readAuths,
    async account(handle) {
      const name = handle.replace(/^@/, "");
      const res = await guarded(() =>
        user
          ? v2.get<{ data?: { id: string; username: string } }>("users/me", {}, opts)
          : v2.get<{ data?: { id: string; username: string } }>(
            "users/by/username/:username",
            {},
            { ...opts, params: { username: name } },
          )
      );
      const found = res.data.data;
      if (!found) throw new XApiError(`no X account @${name}`, "rejected", 404);
      return { id: found.id, handle: `@${found.username}` };
    },
    mentions: (userId, p) =>
      page(
        "users/:id/mentions",
        {
          ...timelineQuery(p),
          ...(p.paginationToken ? { pagination_token: p.paginationToken } : {}),
        },
        { id: userId },
        p.auth,
      ),
    search: (query, p) =>
      page(
        "tweets/search/recent",
        {
          query,
          ...timelineQuery(p),
          ...(p.startTime ? { start_time: p.startTime } : {}),
          ...(p.endTime ? { end_time: p.endTime } : {}),
          ...(p.paginationToken ? { next_token: p.paginationToken } : {}),
        },
        undefined,
        p.auth,
      ),
    async ownTweets(userId, since) {
      const res = await guarded(() =>
        v2.get<RawPage>(
          "users/:id/tweets",
          { max_results: 100, start_time: since, "tweet.fields": "created_at" },
          { ...opts, params: { id: userId } },
        )
      );
      return {
        items: (res.data.data ?? []).map((t) => ({ id: t.id, text: t.text })),
        nextToken: res.data.meta?.next_token,
        rateLimit: toRateLimit(res.rateLimit as RawRateLimit | undefined),
      };
    },
    async post(text, replyTo) {
      const body = replyTo ? { text, reply: { in_reply_to_tweet_id: replyTo } } : { text };
      const res = await guarded(() => v2.post<{ data: { id: string } }>("tweets", body, opts));
      return { id: res.data.data.id, rateLimit: toRateLimit(res.rateLimit as RawRateLimit) };
    },
  };
}
