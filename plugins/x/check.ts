/**
 * What `main.ts check` says of X: whether the credentials authenticate (users/me),
 * as which account, and the tier's limits as X reports them in the response
 * headers of one mentions read (5 posts, the smallest page) — compared with
 * X_TIER, since a tier set too high earns 429s and one set too low reads slowly.
 * And how long the month's posts-read cap lasts: from X's own count
 * (`GET /2/usage/tweets`, app-only bearer) at the observed daily rate, else
 * from the campaign's plan (`expectedMentionsPerDay`) — "Basic: 10,000 posts
 * read a month; at 420 mentions a day the cap runs out on day 24". And
 * whether the app's own read window is in use (X_BEARER_TOKEN beside the user's
 * tokens): one mentions read as the app gives its limit from X's headers, and, with a database
 * configured, the per-app limits stored from earlier runs as the planner will start with them
 * (read-only: a check never writes).
 */
import { systemClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import type { CheckContext, Finding } from "../../core/plugin.ts";
import { appLimitStore } from "./app_limits.ts";
import type { XConfig } from "./config.ts";
import { checkPlan } from "./post_plan.ts";
import { postWindows } from "./posting.ts";
import { resolveLimits, showUnfit, type TierLimits } from "./tier_limits.ts";
import { createAppClient, createXApi } from "./x_api.ts";
import { describeProjection, projectMonth } from "./read_usage.ts";
import { DEGRADE_ORDER } from "./read_planner.ts";

/** The month's cap as a finding: a cap that runs out before the month ends is a problem. */
export async function checkMonthlyCap(
  config: XConfig,
  timeoutMs: number,
  now = Date.now(),
): Promise<Finding> {
  const cap = resolveLimits(config.tier, config.limits).monthlyReads;
  const baseUrl = (config.baseUrl ?? "https://api.x.com").replace(/\/+$/, "");
  let used = 0;
  let perDay = config.expectedMentionsPerDay;
  let source = "the plan (expectedMentionsPerDay)";
  if (config.bearerToken) {
    const v2 = createAppClient(baseUrl, config.bearerToken);
    try {
      const res = await v2.get<{
        data?: {
          project_usage?: string;
          daily_project_usage?: { usage?: Array<{ date: string; usage: string }> };
        };
      }>("usage/tweets", { days: 8 }, { timeout: timeoutMs });
      used = Number(res.data?.project_usage ?? 0) || 0;
      // The complete days before today give the observed rate.
      const today = new Date(now).toISOString().slice(0, 10);
      const days = (res.data?.daily_project_usage?.usage ?? [])
        .filter((d) => d.date.slice(0, 10) < today).map((d) => Number(d.usage) || 0);
      const active = days.filter((n) => n > 0);
      if (active.length) {
        perDay = active.reduce((a, b) => a + b, 0) / active.length;
        source = `X's count (usage/tweets, ${active.length} day${active.length > 1 ? "s" : ""})`;
      }
    } catch (error) {
      return {
        status: "problem",
        text: `${baseUrl}: usage/tweets: ${(error as Error).message}`,
      };
    }
  }
  if (perDay === undefined) {
    return {
      status: "missing",
      text: `${cap.toLocaleString("en-US")} posts read a month (tier ${config.tier}); ` +
        "set expectedMentionsPerDay (or X_BEARER_TOKEN, for X's own count) to project the month",
    };
  }
  const p = projectMonth({ cap, used, perDay, now });
  const text = `${describeProjection(config.tier, p)} (from ${source}; ${
    Math.round(used).toLocaleString("en-US")
  } used)`;
  if (p.runsOutOnDay === undefined) return { status: "ok", text };
  return {
    status: "problem",
    text: `${text}; reads degrade in this order: ${DEGRADE_ORDER.join("; ")}`,
  };
}

/**
 * The app's read window (`checkAppWindow`): with a bearer token beside the user's tokens, one
 * mentions read (5 posts) as the app: its limit from X's headers, a window of its own beside the
 * user's — or X refusing the token (reads then go as the user only).
 */
export async function checkAppWindow(
  config: XConfig,
  userId: string,
  timeoutMs: number,
  query?: CheckContext["query"],
): Promise<Finding> {
  const tier = resolveLimits(config.tier, config.limits);
  if (!config.bearerToken) {
    return {
      status: "missing",
      text: "X_BEARER_TOKEN not set: reads use the user's windows only " +
        "(the app's own per-app window, beside the user's, is not in use)",
    };
  }
  const baseUrl = (config.baseUrl ?? "https://api.x.com").replace(/\/+$/, "");
  const api = createXApi(baseUrl, config, { timeoutMs });
  const documented = tier.app.mentions;
  try {
    const { rateLimit } = await api.mentions(userId, { maxResults: 5, auth: "app" });
    const known = documented
      ? `documented ${documented.limit}`
      : `not in X's documentation for ${config.tier} (tier_limits.ts): learned; ${await storedAppLimits(
        tier,
        query,
      )}`;
    return {
      status: "ok",
      text: rateLimit
        ? `app window in use (X_BEARER_TOKEN): mentions reads ${rateLimit.limit} per 15 min as the app ` +
          `(${rateLimit.remaining} left; ${known}), beside the user's ${tier.mentions.limit}`
        : "app window in use (X_BEARER_TOKEN), but X sent no x-rate-limit headers for it: " +
          `planned at ${documented?.limit ?? 1} read(s) per window until it does`,
    };
  } catch (error) {
    return {
      status: "problem",
      text: `app window not in use: X refused the app's bearer token for reads (${
        (error as Error).message
      }): reads go as the user only`,
    };
  }
}

/**
 * What the planner starts with for the undocumented per-app windows, read (never written) from
 * `x_app_limits` as a start loads it: sane rows within the tier's bound (`appLimitBound`).
 */
export async function storedAppLimits(
  tier: TierLimits,
  query?: CheckContext["query"],
): Promise<string> {
  if (!query) return "no database configured: none stored (each probed at start)";
  let refused = 0;
  const log = createLog("x.check", { level: "warn", write: () => void refused++ });
  const store = appLimitStore({ db: { query }, clock: systemClock(), log, tier });
  try {
    const limits = await store.load();
    const each = (["mentions", "search"] as const).filter((s) => !tier.app[s]).map((s) =>
      limits[s] !== undefined
        ? `${s} ${limits[s]} per 15 min stored (x_app_limits), planned with at start`
        : `${s} none stored (probed at start)`
    );
    const ignored = refused ? `; ${refused} stored row(s) not believed (ignored at start)` : "";
    return each.join(", ") + ignored;
  } catch (error) {
    return `none read from x_app_limits (${(error as Error).message.split("\n")[0]})`;
  }
}

export async function checkX(
  config: XConfig,
  timeoutMs: number,
  query?: CheckContext["query"],
): Promise<Finding[]> {
  const user = config.apiKey && config.apiSecret && config.accessToken && config.accessSecret;
  if (!user) {
    return [
      {
        status: "missing",
        text:
          "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET not set: reads and posts go to the fake X (demo)",
      },
      ...(config.expectedMentionsPerDay !== undefined
        ? [await checkMonthlyCap({ ...config, bearerToken: undefined }, timeoutMs)]
        : []),
    ];
  }
  const baseUrl = (config.baseUrl ?? "https://api.x.com").replace(/\/+$/, "");
  const api = createXApi(baseUrl, config, { timeoutMs });
  const findings: Finding[] = [];
  let account;
  try {
    account = await api.account(config.hostHandle);
  } catch (error) {
    return [{ status: "problem", text: `${baseUrl}: users/me: ${(error as Error).message}` }];
  }
  const wanted = `@${config.hostHandle.replace(/^@/, "")}`;
  findings.push(
    account.handle.toLowerCase() === wanted.toLowerCase()
      ? { status: "ok", text: `${baseUrl}: authenticated as ${account.handle} (id ${account.id})` }
      : {
        status: "problem",
        text: `${baseUrl}: the credentials are ${account.handle}'s, X_HOST_HANDLE is ${wanted}`,
      },
  );
  const tier = resolveLimits(config.tier, config.limits);
  const perWindow = (limit: number, ms: number) =>
    `${limit} per ${
      ms >= 3600_000 ? `${Math.round(ms / 3600_000)} h` : `${Math.round(ms / 60_000)} min`
    }`;
  try {
    const { rateLimit } = await api.mentions(account.id, { maxResults: 5 });
    if (!rateLimit) {
      findings.push({ status: "problem", text: "mentions: X sent no x-rate-limit headers" });
    } else {
      const read = `mentions reads: ${
        perWindow(rateLimit.limit, tier.reads.windowMs)
      } (${rateLimit.remaining} left)`;
      findings.push(
        rateLimit.limit === tier.reads.limit
          ? { status: "ok", text: `tier ${config.tier}: ${read}` }
          : {
            status: "problem",
            text: `${read}, but X_TIER=${config.tier} expects ${
              perWindow(tier.reads.limit, tier.reads.windowMs)
            }: set X_TIER to the account's tier`,
          },
      );
    }
  } catch (error) {
    findings.push({ status: "problem", text: `mentions: ${(error as Error).message}` });
  }
  findings.push(await checkAppWindow(config, account.id, timeoutMs, query));
  const posts = tier.posts.map((w) => perWindow(w.limit, w.windowMs)).join(", ");
  findings.push({
    status: "ok",
    text: `posting (tier ${config.tier}): ${posts}; X reports the 24-hour count on each post`,
  });
  findings.push(checkPlan(config.tier, postWindows(config, tier), config.lotsPerDay));
  const unfit = showUnfit(config.tier, tier);
  if (unfit) findings.push({ status: "problem", text: unfit });
  findings.push(await checkMonthlyCap(config, timeoutMs));
  return findings;
}
