/**
 * The month's posts read, counted from the responses as X counts them against
 * the tier's monthly cap (each post once per UTC day; the count starts again
 * each calendar month, UTC), persisted per day in `x_read_usage`; and the
 * projection of when the cap runs out at the observed rate. A restart forgets
 * which posts were counted today, so a post re-read after one counts again:
 * the count errs high, never low.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";

const DAY = 86_400_000;

export interface Projection {
  cap: number;
  used: number;
  /** Posts read per day at the observed rate. */
  perDay: number;
  /** Projected posts read by the month's end. */
  projected: number;
  /** The day of the month (1-based) the cap runs out at this rate, if within the month. */
  runsOutOnDay?: number;
  daysInMonth: number;
}

/** When the cap runs out at `perDay`, from `used` at `now`. Pure. */
export function projectMonth(o: {
  cap: number;
  used: number;
  perDay: number;
  now: number;
}): Projection {
  const d = new Date(o.now);
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth());
  const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1);
  const daysInMonth = Math.round((monthEnd - monthStart) / DAY);
  const elapsed = (o.now - monthStart) / DAY;
  // X stops answering at the cap: what is read cannot go past it.
  const projected = Math.min(o.cap, Math.round(o.used + o.perDay * (daysInMonth - elapsed)));
  let runsOutOnDay: number | undefined;
  if (o.used >= o.cap) runsOutOnDay = Math.floor(elapsed) + 1;
  else if (o.perDay > 0) {
    const day = Math.floor(elapsed + (o.cap - o.used) / o.perDay) + 1;
    if (day <= daysInMonth) runsOutOnDay = day;
  }
  return { cap: o.cap, used: o.used, perDay: o.perDay, projected, runsOutOnDay, daysInMonth };
}

const TIER_NAMES: Record<string, string> = {
  free: "Free",
  basic: "Basic",
  pro: "Pro",
  "pay-per-use": "Pay-per-use",
};

/** "Basic: 10,000 posts read a month; at 420 mentions a day the cap runs out on day 24". */
export function describeProjection(tier: string, p: Projection): string {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const head = `${TIER_NAMES[tier] ?? tier}: ${n(p.cap)} posts read a month`;
  if (p.used >= p.cap) return `${head}; the cap is spent (${n(p.used)} read this month)`;
  const rate = `at ${n(p.perDay)} mentions a day`;
  return p.runsOutOnDay !== undefined
    ? `${head}; ${rate} the cap runs out on day ${p.runsOutOnDay}`
    : `${head}; ${rate} the month ends with ${n(p.projected)} read (${
      Math.round(100 * p.projected / p.cap)
    } %)`;
}

export interface ReadUsage {
  /** Counts the posts of one response (those not counted today yet). */
  count(ids: string[]): Promise<void>;
  /** Posts read this month (UTC). */
  used(): Promise<number>;
  /** The projection at the observed rate (or `expectedPerDay` before a full day is seen). */
  project(expectedPerDay?: number): Promise<Projection>;
}

export function createReadUsage(o: { db: Db; clock: Clock; cap: number }): ReadUsage {
  let today = "";
  let seen = new Set<string>();
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  const count = async (ids: string[]) => {
    const day = dayOf(o.clock.instant().epochMilliseconds);
    if (day !== today) [today, seen] = [day, new Set()];
    const fresh = ids.filter((id) => !seen.has(id));
    if (!fresh.length) return;
    for (const id of fresh) seen.add(id);
    await o.db.query(
      `insert into x_read_usage (day, posts_read) values ($1, $2)
       on conflict (day) do update set posts_read = x_read_usage.posts_read + $2`,
      [day, fresh.length],
    );
  };

  const monthRows = async () => {
    const now = o.clock.instant().epochMilliseconds;
    const d = new Date(now);
    const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth())).toISOString();
    const rows = await o.db.query<{ day: Date | string; posts_read: number }>(
      "select day, posts_read from x_read_usage where day >= $1::date order by day",
      [start.slice(0, 10)],
    );
    return { now, rows };
  };

  const used = async () => (await monthRows()).rows.reduce((s, r) => s + Number(r.posts_read), 0);

  return {
    count,
    used,
    async project(expectedPerDay) {
      const { now, rows } = await monthRows();
      const total = rows.reduce((s, r) => s + Number(r.posts_read), 0);
      // The observed rate: over the days since the first day with reads this month.
      const first = rows.length
        ? Date.parse(
          `${
            String(
              rows[0].day instanceof Date
                ? rows[0].day.toISOString().slice(0, 10)
                : String(rows[0].day).slice(0, 10),
            )
          }T00:00:00Z`,
        )
        : now;
      const days = (now - first) / DAY;
      const perDay = days >= 1 || expectedPerDay === undefined
        ? total / Math.max(1, days)
        : expectedPerDay;
      return projectMonth({ cap: o.cap, used: total, perDay, now });
    },
  };
}
