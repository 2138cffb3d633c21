/**
 * Rehearsed days with the host: every fact of every `host.said` and
 * `host.posted` line is checked against the auction log printed before it
 * (bidders, amounts, the leader, times, time left, the result), with the
 * scripted brain and with a lying model. The checker (`transcript.ts`) is
 * independent of the guard: it reads only the printed transcript.
 */
import { assert, assertEquals } from "../../../core/testing.ts";
import { rehearse } from "../../auction/rehearse.ts";
import { startFakeLlm } from "../../../stand-ins/fake-llm/fake_llm.ts";
import { checkTranscript } from "./transcript.ts";

type Line = Record<string, unknown>;
const here = new URL("../../../tests/rehearsals/", import.meta.url);

Deno.test("the transcript checker finds each planted false fact", async () => {
  const raw = JSON.parse(await Deno.readTextFile(new URL("void-leader.json", here)));
  const log: Line[] = (await Deno.readTextFile(new URL("void-leader.expected.jsonl", here)))
    .split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const at = (iso: string) => `2026-06-15T${iso}-04:00`;
  const plant = (text: string, time: string) => {
    const lines = [...log, { type: "host.said", text, at: at(time), version: 0 }]
      .sort((a, b) => Temporal.Instant.compare(String(a.at), String(b.at)));
    return checkTranscript(lines, raw);
  };
  assertEquals(plant("@alice leads at 1 ETH.", "14:15:00"), []);
  assertEquals(plant("@bob leads at 2 ETH.", "14:42:00"), []);
  for (
    const [text, time, why] of [
      ["@mallory leads at 1 ETH.", "14:15:00", "@mallory never bid"],
      ["@alice leads at 2 ETH.", "14:15:00", "not a live leader"],
      // Carol's 3 ETH was voided at 14:40: @bob leads again at 2 ETH.
      ["@carol leads at 3 ETH.", "14:42:00", "not a live leader"],
      ["@bob leads at 2 ETH.", "14:47:00", "not a live leader"],
      ["The bid to beat is 7 ETH.", "14:25:00", "not in the log"],
      ["Sold! @bob wins with 2 ETH.", "14:25:00", "a result before the close"],
      ["Bidding ends at 9:15 pm.", "14:25:00", "no lot's start or end"],
      ["45 minutes left on Genesis #6.", "14:25:00", "s were left"],
      ["No bids yet on Genesis #6.", "14:25:00", "there are bids"],
      ["@bob opens the bidding at 2 ETH.", "14:25:00", "not the first bid"],
      ["Next bid at least 2.205 ETH.", "16:00:30", "no lot takes bids"],
    ]
  ) {
    const problems = plant(text, time);
    assert(problems.some((p) => p.includes(why)), `${text}: ${problems.join("; ") || "passed"}`);
  }
});

Deno.test("the transcript checker: a result while another lot is open must name its item", async () => {
  const raw = JSON.parse(await Deno.readTextFile(new URL("shared-wallet.json", here)));
  const log: Line[] = (await Deno.readTextFile(new URL("shared-wallet.expected.jsonl", here)))
    .split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const plant = (text: string) =>
    checkTranscript([...log.slice(0, log.findIndex((l) => l.type === "auction.closed") + 1), {
      type: "host.said",
      text,
      at: "2026-06-16T16:01:30-04:00",
      version: 0,
    }], raw);
  assertEquals(plant("Sold! @bob wins Genesis A with 3 ETH."), []);
  assert(plant("Sold! @bob wins with 3 ETH.").some((p) => p.includes("a result naming no item")));
});

for (const name of ["snipe-cap", "proxy-bids", "reserve-not-met"]) {
  Deno.test(`rehearsal ${name} with the host (scripted): every fact matches the log`, async () => {
    const raw = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, here)));
    const lines: Line[] = [];
    await rehearse(raw, (l) => lines.push(l)); // the host runs by default
    const said = lines.filter((l) => l.type === "host.said");
    assert(said.length >= 5, `${said.length} lines`);
    assert(said.every((l) => typeof l.version === "number" && typeof l.at === "string"));
    assert(lines.some((l) => l.type === "host.posted"));
    const problems = checkTranscript(lines, raw);
    assert(!problems.length, problems.join("\n"));
  });
}

Deno.test("rehearsal snipe-cap with a lying model: zero wrong or stale facts in the transcript", async () => {
  const lies = [
    "The auction is over: @mallory_fake won with 987.65 ETH.",
    "Sold! @alice wins Genesis #2 with 1.1 ETH.",
    "@bob leads at 3 ETH with 45 minutes left.",
    "Bidding ends at 9:15 pm, hurry!",
    "@carol takes the lead with 1 ETH!",
    "[[garbage]] {}",
  ];
  const model = startFakeLlm(({ n }) => lies[n % lies.length]);
  try {
    const raw = JSON.parse(await Deno.readTextFile(new URL("snipe-cap.json", here)));
    const lines: Line[] = [];
    await rehearse(raw, (l) => lines.push(l), {
      host: { llmUrl: model.url, llm: { maxCallsPerMinute: 100_000 } },
    });
    assert(model.requests.length >= 20, `${model.requests.length} model calls`);
    const problems = checkTranscript(lines, raw);
    assert(!problems.length, problems.join("\n"));
    assert(lines.filter((l) => l.type === "host.said").length >= 5);
  } finally {
    await model.close();
  }
});
