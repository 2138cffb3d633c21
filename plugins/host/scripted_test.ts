/**
 * The scripted brain over a busy two-hour auction, for both characters: no
 * line repeats within the 30-minute window, and every line it writes passes
 * the guard against the facts it was written from (the fallback never lies).
 */
import { assert, assertEquals } from "../../core/testing.ts";
import type { AuctionSnapshot } from "../auction/mod.ts";
import { loadCharacter } from "./character.ts";
import { buildFacts, type RecentBid } from "./facts.ts";
import { checkLine } from "./guard.ts";
import { seededRandom } from "../../core/random.ts";
import { createScriptedBrain, type Task } from "./scripted.ts";

const ETH = 10n ** 18n;

for (const name of ["marlowe", "pip"]) {
  Deno.test(`scripted (${name}): a two-hour auction repeats no line within 30 minutes`, async () => {
    const brain = createScriptedBrain(await loadCharacter(name), seededRandom(7));
    const start = Temporal.Instant.from("2026-03-09T18:00:00Z");
    const end = start.add({ hours: 2 });
    const bidders = ["@alice", "@bob", "@sim_bidder4", "@dan", "@erin2026"];
    const rng = seededRandom(3);
    const bids: RecentBid[] = [];
    const said: Array<{ text: string; at: number }> = [];
    let price = ETH;
    let version = 0;
    for (let s = 0; s < 7200; s += 20) {
      const now = start.add({ seconds: s });
      const task: Task = rng() < 0.45
        ? { kind: "leader", previous: bids.at(-1)?.handle ?? null }
        : rng() < 0.1
        ? { kind: "answer", asker: "@viewer", question: "how long is left?" }
        : { kind: "idle" };
      if (task.kind === "leader") {
        price += ETH / 10n * BigInt(1 + Math.floor(rng() * 5));
        const others = bidders.filter((b) => b !== bids.at(-1)?.handle);
        bids.push({ handle: others[Math.floor(rng() * others.length)], amountWei: price, at: now });
      }
      const lot: AuctionSnapshot = {
        auctionId: "lot-1",
        item: "Genesis #1",
        status: "open",
        startsAt: start.toString(),
        endsAt: end.toString(),
        maxEndsAt: end.add({ hours: 1 }).toString(),
        reserveWei: ETH,
        priceWei: bids.length ? price : null,
        leader: bids.length
          ? { handle: bids.at(-1)!.handle, tweetId: "1", amountWei: price }
          : null,
        bidCount: bids.length,
        minNextWei: price + ETH / 10n,
        extensions: 0,
        extensionWindowSeconds: 120,
        extensionSeconds: 120,
        ingestGraceSeconds: 5,
      };
      const facts = buildFacts({
        version: ++version,
        now,
        hostHandle: "@SothebAIs",
        auctions: [lot],
        campaign: null,
        recentBids: bids,
        past: [],
        results: new Map(),
      });
      const recent = new Set(said.filter((x) => x.at > s - 1800).map((x) => x.text));
      const text = brain.line(task, facts, recent);
      assert(text, `no line for ${task.kind} at ${s} s`);
      const v = checkLine(text, facts, { asker: task.asker, viewerText: task.question });
      assert(v.ok, `${text}: ${!v.ok && v.reason}`);
      assert(!recent.has(text), `"${text}" repeated within 30 minutes (at ${s} s)`);
      said.push({ text, at: s });
    }
    assertEquals(said.length, 360);
  });
}

Deno.test("scripted: yesterday's result comes from the records it is given, and passes the guard", async () => {
  const brain = createScriptedBrain(await loadCharacter("marlowe"));
  const now = Temporal.Instant.from("2026-03-10T18:30:00Z");
  const lot: AuctionSnapshot = {
    auctionId: "day-2",
    item: "Genesis #2",
    status: "open",
    startsAt: "2026-03-10T14:00:00-04:00",
    endsAt: "2026-03-10T15:00:00-04:00",
    maxEndsAt: "2026-03-10T15:10:00-04:00",
    reserveWei: ETH,
    priceWei: null,
    leader: null,
    bidCount: 0,
    minNextWei: ETH,
    extensions: 0,
    extensionWindowSeconds: 60,
    extensionSeconds: 60,
    ingestGraceSeconds: 5,
  };
  const facts = buildFacts({
    version: 1,
    now,
    hostHandle: "@SothebAIs",
    auctions: [lot],
    campaign: null,
    recentBids: [],
    past: [{
      auctionId: "day-1",
      item: "Genesis #1",
      date: "2026-03-09",
      winner: "@carol",
      amountWei: 3n * ETH,
      runnerUp: null,
    }],
    results: new Map(),
  });
  const task: Task = { kind: "answer", asker: "@dan", question: "who won yesterday?" };
  const text = brain.line(task, facts, new Set())!;
  assertEquals(text, "@dan, yesterday Genesis #1 went to @carol for 3 ETH.");
  assert(checkLine(text, facts, { asker: "@dan", viewerText: task.question }).ok);
});
