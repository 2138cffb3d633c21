/**
 * Every scenario in this folder, rehearsed on the real engine (virtual clock,
 * embedded storage), must print exactly its `.expected.jsonl`, the host's
 * lines among the decisions. The decisions were checked by hand against the
 * rules; every fact in every host line is checked against the decisions
 * printed before it by an independent reader of the transcript. See README.md
 * for what each scenario exercises.
 */
import { rehearse, scenarioProblems } from "../../plugins/auction/rehearse.ts";
import { assertEquals } from "../../core/testing.ts";
import { checkTranscript } from "../../plugins/host/tests/transcript.ts";

const here = new URL("./", import.meta.url);
const scenarios = [...Deno.readDirSync(here)]
  .filter((e) => e.isFile && e.name.endsWith(".json"))
  .map((e) => e.name.replace(/\.json$/, ""))
  .sort();

Deno.test("there are at least 8 rehearsal scenarios", () => {
  if (scenarios.length < 8) throw new Error(`only ${scenarios.length} scenarios`);
});

for (const name of scenarios) {
  Deno.test(`rehearsal ${name} matches its expected output`, async () => {
    const raw = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, here)));
    const expected = (await Deno.readTextFile(new URL(`${name}.expected.jsonl`, here)))
      .split("\n").filter(Boolean);
    const lines: string[] = [];
    await rehearse(raw, (line) => lines.push(JSON.stringify(line)));
    assertEquals(lines.join("\n"), expected.join("\n"));
  });
}

for (const name of scenarios) {
  Deno.test(`rehearsal ${name}: every fact the host says or posts is in the log before it`, async () => {
    const raw = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, here)));
    const lines = (await Deno.readTextFile(new URL(`${name}.expected.jsonl`, here)))
      .split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const host = lines.filter((l) => l.type === "host.said" || l.type === "host.posted");
    if (host.length < 5) throw new Error(`${name}: only ${host.length} host lines`);
    const problems = checkTranscript(lines, raw);
    if (problems.length) throw new Error(problems.join("\n"));
  });
}

Deno.test("main.ts rehearse --no-host prints the decisions only", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "rehearse", "tests/rehearsals/ties.json", "--no-host"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0);
  const decisions = (await Deno.readTextFile(new URL("ties.expected.jsonl", here)))
    .split("\n").filter((l) => l && !l.startsWith('{"type":"host.'));
  assertEquals(new TextDecoder().decode(out.stdout).trimEnd().split("\n"), decisions);
});

// hostile-tweets holds the 61-digit bid between two valid ones: the rehearsal must still end.
for (const name of ["reserve-not-met", "hostile-tweets"]) {
  Deno.test(`main.ts rehearse ${name} prints the lines and exits 0`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", "rehearse", `tests/rehearsals/${name}.json`],
      cwd: new URL("../../", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0);
    const expected = await Deno.readTextFile(new URL(`${name}.expected.jsonl`, here));
    assertEquals(new TextDecoder().decode(out.stdout), expected);
  });
}

Deno.test("an invalid scenario exits non-zero naming the field", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const raw = JSON.parse(await Deno.readTextFile(new URL("ties.json", here)));
    raw.auction.reserve = "1,5 ETH";
    raw.events[2].tweet.author = "bob";
    await Deno.writeTextFile(path, JSON.stringify(raw));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", "rehearse", path],
      cwd: new URL("../../", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 1);
    assertEquals(new TextDecoder().decode(out.stdout), "");
    for (const field of ["scenario.auction.reserve", "scenario.events.2"]) {
      if (!stderr.includes(field)) throw new Error(`stderr does not name ${field}:\n${stderr}`);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("scenario problems name nested fields", () => {
  assertEquals(scenarioProblems({ auctions: [{ id: "A b" }], events: [] }).slice(0, 2), [
    "scenario.auctions.0.id: lower-case letters, digits and dashes",
    "scenario.auctions.0.item: Invalid input: expected string, received undefined",
  ]);
  assertEquals(scenarioProblems({ events: [] }), ["scenario.auction: give auction or auctions"]);
});
