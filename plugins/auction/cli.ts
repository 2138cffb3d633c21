/**
 * The auction's commands for `main.ts`: `rehearse` (a scenario on a virtual
 * clock) and `report` (daily summary, campaign, ledger CSV, bidder history).
 */
import type { ParseArgsConfig } from "node:util";
import { rehearse, scenarioProblems } from "./rehearse.ts";

interface Command {
  summary: string;
  usage: string;
  options: ParseArgsConfig["options"];
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

export const rehearseCommand: Command = {
  summary:
    "run a day's scenario on a virtual clock and embedded storage; one JSON line per decision",
  usage: "rehearse <scenario.json>",
  options: {},
  async run(_values, positionals) {
    const [path] = positionals;
    if (!path) {
      console.error("rehearse: give the scenario file: main.ts rehearse scenario.json");
      return 2;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await Deno.readTextFile(path));
    } catch (error) {
      console.error(`rehearse: cannot read ${path}: ${(error as Error).message}`);
      return 1;
    }
    const problems = scenarioProblems(raw);
    if (problems.length) {
      for (const p of problems) console.error(p);
      return 1;
    }
    await rehearse(raw, (line) => console.log(JSON.stringify(line)));
    return 0;
  },
};
