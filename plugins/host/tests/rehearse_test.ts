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
import { lyingModel } from "../../../stand-ins/fake-llm/lying_model.ts";
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

for (const name of ["snipe-cap", "void-leader", "shared-wallet", "hostile-tweets"]) {
  Deno.test(`rehearsal ${name} with a model lying in every way: zero wrong or stale facts`, async () => {
    const model = startFakeLlm(lyingModel());
    try {
      const raw = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, here)));
      const lines: Line[] = [];
      await rehearse(raw, (l) => lines.push(l), {
        host: { llmUrl: model.url, llm: { maxCallsPerMinute: 100_000 } },
      });
      const said = lines.filter((l) => l.type === "host.said").length;
      console.log(JSON.stringify({ scenario: name, modelLines: model.requests.length, said }));
      assert(model.requests.length >= 10, `${model.requests.length} model calls`);
      const problems = checkTranscript(lines, raw);
      assert(!problems.length, problems.join("\n"));
      assert(said >= 5, `${said} lines said`);
    } finally {
      await model.close();
    }
  });
}

Deno.test({
  name:
    "main.ts rehearse with LLM_BASE_URL at the lying model (serve.ts): zero wrong or stale facts",
  sanitizeResources: false,
  async fn() {
    const served = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "stand-ins/fake-llm/serve.ts"],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    try {
      const reader = served.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const first = await Promise.race([
        reader.read(),
        new Promise<never>((_, no) => setTimeout(() => no(new Error("no URL in 30 s")), 30_000)),
      ]);
      const url = String(first.value).match(/LLM_BASE_URL=(\S+)/)?.[1];
      assert(url, String(first.value));
      reader.releaseLock();
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "main.ts", "rehearse", "tests/rehearsals/void-leader.json"],
        env: { LLM_BASE_URL: url },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(180_000),
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      const lines: Line[] = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean)
        .map((l) => JSON.parse(l));
      const raw = JSON.parse(await Deno.readTextFile(new URL("void-leader.json", here)));
      const problems = checkTranscript(lines, raw);
      assert(!problems.length, problems.join("\n"));
      const stats = await (await fetch(url.replace(/\/v1$/, "/_fake/stats"), {
        signal: AbortSignal.timeout(5000),
      })).json();
      assert(stats.requests >= 10, `the model was asked ${stats.requests} times`);
      assert(lines.filter((l) => l.type === "host.said").length >= 5);
    } finally {
      try {
        served.kill("SIGTERM");
      } catch { /* already gone */ }
      await Promise.race([served.status, new Promise((r) => setTimeout(r, 10_000))]);
      await served.stdout.cancel().catch(() => {});
    }
  },
});
