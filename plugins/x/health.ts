/**
 * What `/healthz` says of the plugin: `x.source` (the account, each reader, the stream, the
 * sweep before a close, each read endpoint's windows — the user's and the app's, whether the app's
 * is in use and its limit as learned from X's headers, a probe still retrying), `x.reads` (the month's cap and its projection, the degradation level) and
 * `x.outbox` (the posting windows, posts in flight, refusals). Read-only views of state kept
 * elsewhere; an outage is `ok: false`, something the operator should see is `warning: true`.
 */
import type { HostAccount } from "./account.ts";
import type { XConfig } from "./config.ts";
import type { Outbox } from "./outbox.ts";
import { dailyWindow, describePlan, type PostPlan } from "./post_plan.ts";
import { DEGRADE_ORDER } from "./read_planner.ts";
import { describeProjection } from "./read_usage.ts";
import type { Reading } from "./reading.ts";
import { showUnfit, type TierLimits, type Window } from "./tier_limits.ts";

export function sourceHealth(config: XConfig, account: HostAccount, reading: Reading) {
  return () => {
    const statuses = reading.sources();
    const s = reading.primaryStatus();
    const paused = statuses.find((r) => r.pausedUntil);
    const ok = Boolean(account.get()) && statuses.every((r) => r.failures < 5) && !paused;
    const windows = reading.windows();
    const probes = reading.appProbes();
    const unknown = Object.entries(probes).map(([name, p]) =>
      `the app's ${name} window is unknown (probe ${p.state}, ${p.tries} tried` +
      `${
        p.nextAt ? `, next at ${p.nextAt}` : ""
      }: ${p.lastError}): planned with the user's window and one read a window as the app`
    );
    const appWindow = (name: "mentions" | "search") =>
      windows.windows[name].find((w) => w.auth === "app");
    const pausedWhy = paused &&
      (paused.pauseReason === "automated"
        ? `X refused reads as automated activity (error 226): ${paused.name} reads paused until ${paused.pausedUntil}`
        : `X's monthly cap on posts read is spent: ${paused.name} reads paused until ${paused.pausedUntil}`);
    return {
      ok: (config.read ? ok : true) && !reading.sweepPending()?.length,
      detail: account.error() ?? pausedWhy ?? s?.lastError ?? windows.appDetail ??
        (unknown.join("; ") || undefined),
      // An app token X refused, or an app window a probe could not learn: reads go on as the user
      // (half the windows), the operator is told.
      warning: windows.app === "refused" || unknown.length > 0,
      account: account.get()?.handle,
      readThrough: reading.readThrough(),
      stream: reading.stream(),
      rateLimitRemaining: s?.rateLimit?.remaining,
      phase: reading.phase(),
      sources: Object.fromEntries(statuses.map((r) => [r.name, {
        sinceId: r.sinceId,
        remaining: r.rateLimit?.remaining,
        failures: r.failures,
        ...(r.pausedUntil ? { pausedUntil: r.pausedUntil, pauseReason: r.pauseReason } : {}),
      }])),
      // The app's own window beside the user's: "in use", "refused", "no app token", "app only".
      app: windows.app,
      appWindows: { mentions: appWindow("mentions"), search: appWindow("search") },
      // An app window whose probe learned nothing yet: retried (bounded), or given up this run.
      appProbe: Object.keys(probes).length ? probes : undefined,
      windows: windows.windows,
      // A close waits for its sweep while X cannot answer it (the next read tries again).
      sweepPending: reading.sweepPending(),
    };
  };
}

export function readsHealth(config: XConfig, tier: TierLimits, reading: Reading) {
  const cap = tier.monthlyReads;
  // A tier that cannot run a show (Free) says so from the start, whatever the projection.
  const unfit = showUnfit(config.tier, tier);
  return () => {
    const projection = reading.projection();
    const projected = projection ? describeProjection(config.tier, projection) : undefined;
    return {
      // A cap that will run out is a warning (a restart cannot help); a spent one is an outage.
      ok: !projection || projection.used < projection.cap,
      warning: projection?.runsOutOnDay !== undefined || Boolean(unfit),
      detail: [unfit, projected].filter(Boolean).join("; ") || undefined,
      used: projection?.used,
      cap,
      degrade: reading.degrade(),
      degradeOrder: DEGRADE_ORDER,
    };
  };
}

export function outboxHealth(outbox: Outbox, plan: PostPlan, windows: Window[]) {
  return async () => {
    const planned = describePlan(plan.now(), dailyWindow(windows));
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
      // A plan over the daily cap is told ahead: announcements and acks will give way.
      warning: Boolean(refused) || planned.over,
      detail: [...problems, refused, planned.over && planned.text].filter(Boolean).join("; ") ||
        undefined,
      plan: planned.text,
      usage: usage.map((u) => `${u.used}/${u.limit} per ${u.windowMs / 1000}s`).join(", "),
      blockedUntil: outbox.blockedUntil()?.toString(),
      inFlight: stuck.count,
      failedLastHour: failed.count,
    };
  };
}
