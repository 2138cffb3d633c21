/**
 * The host's figures, printed:
 *  1. bid.accepted → the first audible sample of the host's reaction (real time, real
 *     espeak-ng, the voice's mixer pulled at real time like the stream does): p50 / p95,
 *     with the scripted brain and with a local model that answers in 1 s.
 *  2. A busy two-hour auction on a virtual clock (a bid every ~20 s, a question every
 *     2 minutes): lines said per minute, repeats within the 30-minute window, and guard
 *     rejections per 100 model lines with a model that lies in 30 % of its answers
 *     (and how many of its true lines were refused: false refusals).
 *
 *   deno run -A plugins/host/bench/host_figures.ts [--bids 15]
 *
 * The first audible sample is read from `host.speaking` (a level over 0 for the line's
 * utterance), which the mixer reports once per 1/30 s of audio: figures are late by at
 * most that window plus the 20 ms pump period.
 */
import { parseArgs } from "node:util";
import { testEngine } from "../../../tests/engine.ts";
import { startFakeLlm } from "../../../stand-ins/fake-llm/fake_llm.ts";
import { hostShow } from "../tests/show.ts";
import type {} from "../../voice/mod.ts";

const { values } = parseArgs({ options: { bids: { type: "string", default: "15" } } });
const BIDS = Number(values.bids);
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

/** A model that answers true lines from the facts it is given (and lies when `lie` says so). */
function truthfulModel(delayMs: number, lie: (n: number) => boolean) {
  return startFakeLlm(({ system, user, n }) => {
    const facts = JSON.parse(system.slice(system.indexOf("FACTS: ") + 7));
    const from = user.match(/"from":"(@\w+)"/)?.[1];
    const lot = facts.lot;
    let text = lot?.leader
      ? `${lot.leader} leads at ${lot.currentBid} on ${lot.item}. Next bid at least ${lot.nextBidAtLeast}.`
      : lot
      ? `No bids yet on ${lot.item}; the reserve is ${lot.reserve}.`
      : "Stay tuned for the next lot.";
    if (lot?.status === "closed" && lot.winner) {
      text = `Sold! ${lot.winner.handle} wins ${lot.item} with ${lot.winner.amount}.`;
    }
    if (from) text = `${from}, ${text[0].toLowerCase()}${text.slice(1)}`;
    if (lie(n)) text = `@mallory_fake leads at 987.65 ETH with 45 minutes left!`;
    return { text, delayMs };
  });
}

async function reactionLatency(llmUrl?: string): Promise<number[]> {
  const now = Temporal.Now.instant();
  const engine = await testEngine({
    plugins: {
      "funds-book": {},
      auction: {
        watermark: "clock",
        auctions: [{
          id: "bench-1",
          item: "Genesis #1",
          startsAt: now.subtract({ seconds: 1 }).toString(),
          endsAt: now.add({ hours: 1 }).toString(),
          reserve: "1 ETH",
        }],
      },
      host: {
        llm: llmUrl ? { baseUrl: llmUrl } : {},
        posts: { enabled: false },
        idleSeconds: 3600,
      },
      voice: {},
    },
  });
  const audio = engine.service<{ read(n: number): Int16Array }>("audio");
  const pump = setInterval(() => audio.read(960), 20);
  const book = engine.service<{
    link(h: string, a: string): Promise<void>;
    enter(h: string, k: string, w: bigint): Promise<bigint>;
  }>("funds-book");
  const handles = ["@alice", "@bob", "@carol"];
  for (const [i, h] of handles.entries()) {
    await book.link(h, "0x" + String(i + 1).repeat(40));
    await book.enter(h, "deposit", 1000n * 10n ** 18n);
  }
  const out: number[] = [];
  type Pending = { t0: number; id?: string; resolve: () => void };
  let pending = null as Pending | null;
  engine.bus.on("bid.accepted", () => {
    if (pending) pending.t0 = performance.now();
  });
  engine.bus.on("host.said", (e) => {
    if (pending && e.payload.kind === "leader") pending.id = e.payload.utteranceId;
  });
  engine.bus.on("host.speaking", (e) => {
    const p = pending;
    if (p && p.id === e.payload.utteranceId && e.payload.level > 0) {
      out.push(performance.now() - p.t0);
      p.resolve();
    }
  });
  await new Promise((r) => setTimeout(r, 3000)); // the opening line
  for (let i = 0; i < BIDS; i++) {
    const done = new Promise<void>((resolve) => pending = { t0: 0, resolve });
    const at = Temporal.Now.instant().toString();
    engine.bus.emit("bid.submitted", {
      tweetId: String(1000 + i),
      handle: handles[i % 3],
      text: `@SothebAIs bid ${2 + i}`,
      tweetAt: at,
      receivedAt: at,
    });
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    pending = null;
    await new Promise((r) => setTimeout(r, 2500)); // a little of the line is heard
  }
  clearInterval(pump);
  await engine.stop();
  return out;
}

async function busyAuction() {
  const model = truthfulModel(0, (n) => n % 10 < 3);
  const s = await hostShow({
    llmUrl: model.url,
    host: { llm: { maxCallsPerMinute: 1_000_000 }, posts: { enabled: false } },
  });
  const t0 = s.clock.instant();
  const said: Array<{ text: string; at: number }> = [];
  s.engine.bus.on(
    "host.said",
    (e) => void said.push({ text: e.payload.text, at: s.clock.instant().epochMilliseconds }),
  );
  await s.advance(70_000);
  const bidders = ["@alice", "@bob", "@carol"];
  let amount = 1.0;
  for (let m = 0; m < 118 * 3; m++) { // every 20 s for 118 minutes
    amount = Math.round((amount * 1.06 + 0.01) * 100) / 100;
    await s.bid(bidders[m % 3], `@SothebAIs bid ${amount}`);
    if (m % 6 === 0) await s.ask("@dan", "how long is left and who leads?");
    await s.advance(20_000, 5000);
  }
  const minutes = s.clock.instant().since(t0).total("minutes");
  let repeats = 0;
  for (const [i, l] of said.entries()) {
    if (said.slice(0, i).some((p) => p.text === l.text && l.at - p.at < 30 * 60_000)) repeats++;
  }
  const lines = await s.host.lines({ limit: 500, outcome: "refused" });
  const refusedModel = lines.filter((r) => r.source === "model" && r.text);
  const repeatsRefused = refusedModel.filter((r) => /repeats a line/.test(r.reason ?? ""));
  const falseRefusals = refusedModel.filter((r) =>
    !r.text.includes("mallory_fake") && !/repeats a line/.test(r.reason ?? "")
  );
  const modelCalls = model.requests.length;
  await s.engine.stop();
  await model.close();
  return {
    minutes,
    said: said.length,
    repeats,
    modelCalls,
    refusedModel: refusedModel.filter((r) => !repeatsRefused.includes(r)),
    repeatsRefused,
    falseRefusals,
  };
}

console.log(`host figures (load ${load()})`);
const scripted = await reactionLatency();
console.log(
  `bid.accepted → first audible sample, scripted: p50 ${q(scripted, 0.5).toFixed(0)} ms, p95 ${
    q(scripted, 0.95).toFixed(0)
  } ms (n=${scripted.length})`,
);
const slow = truthfulModel(1000, () => false);
const withModel = await reactionLatency(slow.url);
await slow.close();
console.log(
  `bid.accepted → first audible sample, model answering in 1 s: p50 ${
    q(withModel, 0.5).toFixed(0)
  } ms, p95 ${q(withModel, 0.95).toFixed(0)} ms (n=${withModel.length})`,
);
const busy = await busyAuction();
console.log(
  `busy 2-hour auction (a bid every 20 s): ${(busy.said / busy.minutes).toFixed(1)} lines/min, ` +
    `${busy.repeats} repeats within 30 min, model calls ${busy.modelCalls}, guard refusals ` +
    `${(busy.refusedModel.length / busy.modelCalls * 100).toFixed(1)} per 100 model lines ` +
    `(the model lies in 30 of 100), false refusals ${
      (busy.falseRefusals.length / busy.modelCalls * 100).toFixed(1)
    } per 100; ${busy.repeatsRefused.length} true model lines refused as repeats`,
);
if (busy.falseRefusals.length) {
  console.log("false refusals, first 5:");
  for (const r of busy.falseRefusals.slice(0, 5)) console.log(`  ${r.reason}: ${r.text}`);
}
console.log(`load after: ${load()}`);
