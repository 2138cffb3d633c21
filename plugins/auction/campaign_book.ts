/**
 * The campaigns the engine runs: those of its config and those saved since
 * (the admin panel), kept in `auction_campaigns` and run again at every start.
 * A definition is checked by the same zod schema as the config's
 * (`campaignSchema`), with every problem named by its field. Saving runs the
 * campaign at once: each day's auction is created if it does not exist yet; an
 * auction that exists is never changed by a save (overrides do that, audited),
 * and the answer says which days were kept as they were.
 */
import type { Bus } from "../../core/bus.ts";
import type { Cancel, Clock } from "../../core/clock.ts";
import { describeIssues } from "../../core/config.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { AuctionRuntime } from "./auction_runtime.ts";
import { type Campaign, campaignSchema, campaignSessions, runCampaigns } from "./campaigns.ts";
import { formatEth } from "./rules.ts";

/** A campaign as an operator writes it (amounts in ETH, dates and times as text). */
export type CampaignInput = Record<string, unknown>;

export type Checked = { ok: true; campaign: Campaign } | { ok: false; problems: string[] };

export interface SavedCampaign {
  campaign: CampaignInput;
  /** Each day's auction: created now, or kept as it was (it existed). */
  days: Array<{ day: string; auctionId: string; outcome: "created" | "kept" | "past" }>;
}

export interface CampaignBook {
  start(): Promise<void>;
  list(): Promise<CampaignInput[]>;
  check(raw: unknown): Checked;
  save(raw: unknown): Promise<SavedCampaign>;
  stop(): void;
}

const amount = (wei: bigint | undefined) => wei === undefined ? undefined : formatEth(wei);
const hm = (t: Temporal.PlainTime) => t.toString({ smallestUnit: "minute" });

/** The editable form of a checked campaign (what `check` reads back the same). */
export function campaignInput(c: Campaign): CampaignInput {
  const rules = (r: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(r).filter(([, v]) => v !== undefined).map((
        [k, v],
      ) => [k, typeof v === "bigint" ? amount(v) : v]),
    );
  return {
    id: c.id,
    name: c.name,
    project: c.project,
    collection: c.collection,
    startDate: c.startDate.toString(),
    endDate: c.endDate.toString(),
    window: { start: hm(c.window.start), end: hm(c.window.end) },
    rules: rules(c.rules),
    items: c.items.map((i) => rules(i)),
  };
}

export function campaignBook(o: {
  db: Db;
  bus: Bus;
  clock: Clock;
  log: Log;
  runtime: AuctionRuntime;
  fromConfig: Campaign[];
}): CampaignBook {
  const running = new Map<string, Cancel>();
  const check = (raw: unknown): Checked => {
    const r = campaignSchema.safeParse(raw);
    return r.success
      ? { ok: true, campaign: r.data }
      : { ok: false, problems: describeIssues("campaign", r.error) };
  };
  const upsert = (c: Campaign) =>
    o.db.query(
      `insert into auction_campaigns (id, name, project, collection, start_date, end_date, definition)
       values ($1, $2, $3, $4, $5, $6, $7::text::jsonb)
       on conflict (id) do update set name = excluded.name, project = excluded.project,
         collection = excluded.collection, start_date = excluded.start_date,
         end_date = excluded.end_date, definition = excluded.definition, updated_at = now()`,
      [
        c.id,
        c.name,
        c.project,
        c.collection,
        c.startDate.toString(),
        c.endDate.toString(),
        JSON.stringify(campaignInput(c)),
      ],
    );
  const run = async (c: Campaign) => {
    running.get(c.id)?.();
    running.set(
      c.id,
      await runCampaigns({
        bus: o.bus,
        clock: o.clock,
        log: o.log,
        runtime: o.runtime,
        campaigns: [c],
      }),
    );
  };
  const stored = async (): Promise<Campaign[]> => {
    const rows = await o.db.query<{ id: string; definition: unknown }>(
      "select id, definition from auction_campaigns order by start_date, id",
    );
    const out: Campaign[] = [];
    for (const row of rows) {
      const def = typeof row.definition === "string" ? JSON.parse(row.definition) : row.definition;
      const c = check(def);
      if (c.ok) out.push(c.campaign);
      else {o.log.warn("a stored campaign does not check out; not run", {
          id: row.id,
          problems: c.problems,
        });}
    }
    return out;
  };
  return {
    async start() {
      for (const c of o.fromConfig) await upsert(c);
      for (const c of await stored()) await run(c);
    },
    list: async () => (await stored()).map(campaignInput),
    check,
    async save(raw) {
      const c = check(raw);
      if (!c.ok) throw new CampaignError(c.problems);
      const now = o.clock.instant();
      const existed = new Set(o.runtime.list().map((a) => a.auctionId));
      await upsert(c.campaign);
      await run(c.campaign);
      return {
        campaign: campaignInput(c.campaign),
        days: campaignSessions(c.campaign).map((s) => ({
          day: s.day.toString(),
          auctionId: s.auction.id,
          outcome: Temporal.Instant.compare(s.nextDayStart, now) <= 0
            ? "past"
            : existed.has(s.auction.id)
            ? "kept"
            : "created",
        })),
      };
    },
    stop() {
      running.forEach((cancel) => cancel());
      running.clear();
    },
  };
}

/** A definition that does not check out: each problem names its field. */
export class CampaignError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}
