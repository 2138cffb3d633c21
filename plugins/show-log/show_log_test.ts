import { parseEther } from "viem";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import type { PluginContext } from "../../core/plugin.ts";
import { assert, assertEquals, assertMatch } from "../../core/testing.ts";
import { auctionEvents } from "../auction/events.ts";
import showLog from "./mod.ts";

const at = "2026-11-25T19:04:31-05:00";

function setup(format: "json" | "pretty", config = { rejections: true }) {
  const lines: string[] = [];
  const clock = virtualClock(at);
  const log = createLog("engine", { format, colour: false, write: (l) => lines.push(l) });
  const bus = createBus(clock, log.child("bus"));
  // The owner's schemas: the test's events are the real shapes.
  for (const [type, schema] of Object.entries(auctionEvents)) bus.declare(type, schema as never);
  showLog.setup({ bus, config, log: log.child("show-log") } as unknown as PluginContext<
    typeof config
  >);
  return { bus, lines };
}

Deno.test("show-log: one readable line a decision, phase and close", () => {
  const { bus, lines } = setup("pretty");
  bus.emit("campaign.phase", {
    campaignId: "demo",
    day: "2026-11-25",
    phase: "auction",
    auctionId: "demo-1",
    startsAt: at,
    endsAt: "2026-11-25T19:10:00-05:00",
  });
  bus.emit("bid.accepted", {
    auctionId: "demo-1",
    tweetId: "9",
    entryId: "9",
    handle: "@alice",
    amountWei: parseEther("1.25"),
    at,
    previousLeader: { handle: "@bob", amountWei: parseEther("1") },
    endsAt: "2026-11-25T19:10:00-05:00",
    proxy: false,
    max: false,
    leads: true,
    causedBy: null,
  });
  bus.emit("bid.rejected", {
    auctionId: "demo-1",
    tweetId: "10",
    handle: "@carol",
    reason: "below_increment",
    message: "bid at least 1.3125 ETH",
    at,
  });
  bus.emit("auction.extended", {
    auctionId: "demo-1",
    endsAt: "2026-11-25T19:11:00-05:00",
    previousEndsAt: "2026-11-25T19:10:00-05:00",
  });
  bus.emit("auction.closed", {
    auctionId: "demo-1",
    winner: { handle: "@alice", amountWei: parseEther("1.25"), tweetId: "9" },
    runnerUp: null,
    at,
  });
  for (const stage of ["pending", "final"] as const) {
    bus.emit("deposit.credited", {
      handle: "@alice",
      address: "0xa1",
      amountWei: parseEther("2"),
      txHash: "0x1",
      stage,
    });
  }
  bus.emit("engine.heartbeat", { beat: 1, uptimeSeconds: 60 }); // not the show's: not told
  const text = lines.map((l) => l.replace(/^\d\d:\d\d:\d\d {2}show-log {3}/, ""));
  assertEquals(text, [
    "auction (demo-1) until 19:10:00",
    "demo-1: @alice leads at 1.25 ETH (outbids @bob)",
    "demo-1: @carol refused (below_increment): bid at least 1.3125 ETH",
    "demo-1 extended to 19:11:00 (a bid in the last moments)",
    "demo-1 closed: @alice wins at 1.25 ETH",
    "deposit of 2 ETH credited to @alice",
  ]);
});

Deno.test("show-log: JSON lines carry the event for machines; rejections can be left out", () => {
  const { bus, lines } = setup("json", { rejections: false });
  bus.emit("bid.rejected", {
    auctionId: null,
    tweetId: "10",
    handle: "@carol",
    reason: "not_open",
    message: "no auction is open",
    at,
  });
  bus.emit("auction.closed", { auctionId: "demo-2", winner: null, runnerUp: null, at });
  assertEquals(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  assertEquals([entry.component, entry.msg], ["engine.show-log", "demo-2 closed: no sale"]);
  assertEquals(entry.event.type, "auction.closed");
  assertMatch(entry.event.at, /^2026-11-25T19:04:31/);
});

Deno.test("show-log: a credited deposit's line names the account, never the wallet beside it", () => {
  const { bus, lines } = setup("json");
  const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  bus.emit("deposit.credited", {
    handle: "@alice",
    xUserId: "1001",
    address,
    amountWei: parseEther("2"),
    txHash: "0x1",
    stage: "pending",
  });
  assertEquals(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  assertEquals(entry.msg, "deposit of 2 ETH credited to @alice");
  assertEquals(entry.event.payload.handle, "@alice");
  assertEquals(entry.event.payload.amountWei, "2000000000000000000");
  assert(!lines[0].toLowerCase().includes(address.slice(2).toLowerCase()), lines[0]);
});
