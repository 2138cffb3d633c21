/**
 * What `main.ts check` says of X: whether the credentials authenticate (users/me),
 * as which account, and the tier's limits as X reports them in the response
 * headers of one mentions read (5 posts, the smallest page) — compared with
 * X_TIER, since a tier set too high earns 429s and one set too low reads slowly.
 */
import type { Finding } from "../../core/plugin.ts";
import type { XConfig } from "./mod.ts";
import { resolveLimits } from "./tier_limits.ts";
import { createXApi } from "./x_api.ts";

export async function checkX(config: XConfig, timeoutMs: number): Promise<Finding[]> {
  const user = config.apiKey && config.apiSecret && config.accessToken && config.accessSecret;
  if (!user) {
    return [{
      status: "missing",
      text:
        "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET not set: reads and posts go to the fake X (demo)",
    }];
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
  const posts = tier.posts.map((w) => perWindow(w.limit, w.windowMs)).join(", ");
  findings.push({
    status: "ok",
    text: `posting (tier ${config.tier}): ${posts}; X reports the 24-hour count on each post`,
  });
  return findings;
}
