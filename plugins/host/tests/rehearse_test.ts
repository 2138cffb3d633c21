/**
 * Rehearsed days with the host: every fact of every `host.said` and
 * `host.posted` line is checked against the auction log printed before it
 * (bidders, amounts, the leader, times, time left, the result), with the
 * scripted brain and with a lying model. The checker here is independent of
 * the guard: it reads only the printed transcript.
 */
import { assert } from "../../../core/testing.ts";
import { parseEther } from "viem";
import { rehearse } from "../../auction/rehearse.ts";
import { startFakeLlm } from "../../../stand-ins/fake-llm/fake_llm.ts";

type Line = Record<string, unknown>;
const here = new URL("../../../tests/rehearsals/", import.meta.url);

/** Replays the log; returns a problem for the first host line whose facts the log does not back. */
function checkTranscript(
  lines: Line[],
  scenario: { host?: string; auction: Record<string, string> },
) {
  const host = (scenario.host ?? "@SothebAIs").toLowerCase();
  const reserve = parseEther(scenario.auction.reserve.replace(/\s*ETH$/i, ""));
  const startsAt = Temporal.Instant.from(scenario.auction.startsAt);
  let endsAt = Temporal.Instant.from(scenario.auction.endsAt);
  const amounts = new Set<bigint>([reserve]);
  const bidders = new Set<string>();
  let leader: { handle: string; wei: bigint } | null = null;
  let closed: { winner: string | null; runnerUp: string | null } | null = null;
  const problems: string[] = [];
  const clock = (t: Temporal.Instant) => {
    const z = t.toZonedDateTimeISO("America/New_York");
    return `${z.hour % 12 || 12}:${String(z.minute).padStart(2, "0")} ${z.hour < 12 ? "am" : "pm"}`;
  };
  for (const l of lines) {
    if (l.type === "bid.accepted") {
      const wei = BigInt(l.amountWei as string);
      amounts.add(wei);
      bidders.add(String(l.handle).toLowerCase());
      leader = { handle: String(l.handle).toLowerCase(), wei };
      endsAt = Temporal.Instant.from(l.endsAt as string);
    }
    if (l.type === "auction.extended") endsAt = Temporal.Instant.from(l.endsAt as string);
    if (l.type === "auction.closed") {
      closed = { winner: l.winner as string | null, runnerUp: l.runnerUp as string | null };
    }
    if (l.type !== "host.said" && l.type !== "host.posted") continue;
    const text = String(l.text);
    const at = Temporal.Instant.from(String(l.at));
    const bad = (why: string) => problems.push(`${why}: ${text} (at ${l.at})`);
    const handles = [...text.matchAll(/@\w+/g)].map((m) => m[0].toLowerCase());
    for (const h of handles) if (h !== host && !bidders.has(h)) bad(`${h} never bid`);
    for (const m of text.matchAll(/(at least )?(\d[\d,]*(?:\.\d+)?) ETH/g)) {
      const wei = parseEther(m[2].replace(/,/g, ""));
      if (m[1] ? !(leader ? wei > leader.wei : wei >= reserve) : !amounts.has(wei)) {
        bad(`${m[0]} is not in the log`);
      }
    }
    if (/\b(wins|won|sold|hammer falls|goes to)\b/i.test(text)) {
      if (!closed) bad("a result before the close");
      else {
        const ok = [closed.winner, closed.runnerUp, host].map((h) => h?.toLowerCase());
        for (const h of handles) if (!ok.includes(h)) bad(`${h} in a result`);
      }
    }
    if (!closed && leader && /\b(leads?|bid to beat|ahead)\b/.test(text) && handles.length) {
      if (!handles.includes(leader.handle)) bad(`the leader is ${leader.handle}`);
    }
    for (const m of text.matchAll(/\b(\d{1,2}:\d{2} [ap]m)\b/g)) {
      if (![clock(startsAt), clock(endsAt)].includes(m[1])) bad(`${m[1]} is neither start nor end`);
    }
    const spans = /(?:(\d+) hours? and |(\d+) hours? )?(\d+) (minute|second)s? left/g;
    for (const m of text.matchAll(spans)) {
      const said = Number(m[1] ?? m[2] ?? 0) * 3600 + Number(m[3]) * (m[4] === "minute" ? 60 : 1);
      const left = endsAt.since(at).total("seconds");
      if (Math.abs(said - left) > 60) bad(`${m[0]} but ${Math.round(left)} s were left`);
    }
  }
  return problems;
}

for (const name of ["snipe-cap", "proxy-bids", "reserve-not-met"]) {
  Deno.test(`rehearsal ${name} with the host (scripted): every fact matches the log`, async () => {
    const raw = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, here)));
    const lines: Line[] = [];
    await rehearse(raw, (l) => lines.push(l), { host: {} });
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
