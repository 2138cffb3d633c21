/**
 * The auction's commands for `main.ts` (its plugin's `commands`): `rehearse` (a
 * scenario on a virtual clock and embedded storage of its own, so it runs alone)
 * and `report` (daily summary, campaign, ledger CSV, bidder history, read from
 * the engine's database).
 */
import { JsonFileError, readJsonFile } from "../../core/config.ts";
import type { PluginCommand } from "../../core/plugin.ts";
import { rehearse, scenarioProblems } from "./rehearse.ts";
import { bidderHistory, campaignPerformance, dailySummary, ledgerCsv } from "./reports.ts";
import { toJson } from "./snapshot.ts";

export const rehearseCommand: PluginCommand = {
  summary:
    "run a day's scenario on a virtual clock and embedded storage; one JSON line per decision",
  usage: "rehearse <scenario.json> [--no-host] [--character marlowe|pip|FILE]",
  options: { "no-host": { type: "boolean" }, character: { type: "string" } },
  alone: true,
  async run(_ctx, values, positionals) {
    const [path] = positionals;
    if (!path) {
      console.error("rehearse: give the scenario file: main.ts rehearse scenario.json");
      return 2;
    }
    let raw: unknown;
    try {
      raw = await readJsonFile(path);
    } catch (error) {
      if (!(error instanceof JsonFileError)) throw error;
      console.error(`rehearse: cannot read ${error.message}`);
      return 1;
    }
    const problems = scenarioProblems(raw);
    if (problems.length) {
      for (const p of problems) console.error(p);
      return 1;
    }
    // The host speaks too (the scripted brain, or the model at LLM_BASE_URL); --no-host leaves
    // only the auction's decisions, e.g. to compare them with a run of an older version.
    if (values["no-host"] && values.character) {
      console.error("rehearse: --character names the host's character; --no-host has none");
      return 2;
    }
    const host = values["no-host"] ? false as const : {
      llmUrl: Deno.env.get("LLM_BASE_URL") || undefined,
      character: typeof values.character === "string" ? values.character : undefined,
    };
    await rehearse(raw, (line) => console.log(JSON.stringify(line)), { host });
    return 0;
  },
};

const REPORT_USAGE = "report <daily|campaign|ledger|bidder> [id] [--from ISO] [--to ISO]";

export const reportCommand: PluginCommand = {
  summary: "print a report: daily <auctionId> | campaign <id> | ledger (CSV) | bidder <@handle>",
  usage: REPORT_USAGE,
  options: { from: { type: "string" }, to: { type: "string" } },
  // The engine's database (DATABASE_URL, else PGlite under DATA_DIR: stop the engine first,
  // or read the Reports page of the admin panel, behind its sign-in, while it runs).
  async run({ db }, values, [kind, id]) {
    const needsId = kind === "daily" || kind === "campaign" || kind === "bidder";
    if (!["daily", "campaign", "ledger", "bidder"].includes(kind) || (needsId && !id)) {
      console.error(`usage: main.ts ${REPORT_USAGE}`);
      return 2;
    }
    if (kind === "ledger") {
      const at = (v: unknown) => (typeof v === "string" ? Temporal.Instant.from(v) : undefined);
      Deno.stdout.writeSync(
        new TextEncoder().encode(
          await ledgerCsv(db, { from: at(values.from), to: at(values.to) }),
        ),
      );
      return 0;
    }
    const report = kind === "daily"
      ? await dailySummary(db, id)
      : kind === "campaign"
      ? await campaignPerformance(db, id)
      : await bidderHistory(db, id);
    if (!report) {
      console.error(`report: no auction ${id}`);
      return 1;
    }
    console.log(JSON.stringify(JSON.parse(toJson(report)), null, 2));
    return 0;
  },
};
