import type { BusEvent } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { assertEquals } from "../../core/testing.ts";
import { type Campaign, campaignSchema, campaignSessions } from "./campaigns.ts";
import { auctionEngine, testStorage } from "./test_engine.ts";

const ny = (i: Temporal.Instant) =>
  i.toZonedDateTimeISO("America/New_York").toString({ timeZoneName: "never" });
const campaign = (
  start: string,
  end: string,
  window = { start: "14:00", end: "16:00" },
): Campaign =>
  campaignSchema.parse({
    id: "genesis",
    name: "Genesis",
    project: "SothebAIs",
    collection: "Genesis",
    startDate: start,
    endDate: end,
    window,
    items: [1, 2, 3, 4].map((n) => ({ item: `Genesis #${n}`, reserve: "1 ETH" })),
  });

Deno.test("sessions across the March switch: 23-hour day, offsets change", () => {
  const s = campaignSessions(campaign("2026-03-07", "2026-03-09"));
  assertEquals(s.map((x) => [ny(x.dayStart), ny(x.auction.startsAt), ny(x.auction.endsAt)]), [
    ["2026-03-07T00:00:00-05:00", "2026-03-07T14:00:00-05:00", "2026-03-07T16:00:00-05:00"],
    ["2026-03-08T00:00:00-05:00", "2026-03-08T14:00:00-04:00", "2026-03-08T16:00:00-04:00"],
    ["2026-03-09T00:00:00-04:00", "2026-03-09T14:00:00-04:00", "2026-03-09T16:00:00-04:00"],
  ]);
  // On the switch day, 00:00 → 14:00 on the wall is 13 h of real time.
  assertEquals(s[1].auction.startsAt.since(s[1].dayStart).total("hours"), 13);
  assertEquals(s[1].nextDayStart.since(s[1].dayStart).total("hours"), 23);
  assertEquals(s.map((x) => x.auction.id), [
    "genesis-2026-03-07",
    "genesis-2026-03-08",
    "genesis-2026-03-09",
  ]);
});

Deno.test("sessions across the November switch: 25-hour day", () => {
  const s = campaignSessions(campaign("2026-10-31", "2026-11-02"));
  assertEquals(s.map((x) => ny(x.auction.startsAt)), [
    "2026-10-31T14:00:00-04:00",
    "2026-11-01T14:00:00-05:00",
    "2026-11-02T14:00:00-05:00",
  ]);
  assertEquals(s[1].nextDayStart.since(s[1].dayStart).total("hours"), 25);
  assertEquals(s[1].auction.startsAt.since(s[1].dayStart).total("hours"), 15);
});

Deno.test("a window in the missing or repeated hour", () => {
  const march = campaignSessions(
    campaign("2026-03-08", "2026-03-08", { start: "02:30", end: "04:00" }),
  );
  assertEquals(ny(march[0].auction.startsAt), "2026-03-08T03:30:00-04:00");
  const nov = campaignSessions(
    campaign("2026-11-01", "2026-11-01", { start: "01:30", end: "03:00" }),
  );
  assertEquals(ny(nov[0].auction.startsAt), "2026-11-01T01:30:00-04:00");
  assertEquals(nov[0].auction.endsAt.since(nov[0].auction.startsAt).total("hours"), 2.5);
});

Deno.test("items run out before the end date; invalid campaigns name the field", () => {
  assertEquals(campaignSessions(campaign("2026-06-01", "2026-06-30")).length, 4);
  const bad = campaignSchema.safeParse({
    ...campaign("2026-06-01", "2026-06-02"),
    window: { start: "16:00", end: "14:00" },
  });
  assertEquals(bad.success, false);
});

for (
  const [label, first, last] of [
    ["March", "2026-03-07", "2026-03-09"],
    ["November", "2026-10-31", "2026-11-02"],
  ] as const
) {
  Deno.test(`phase changes on the bus across the ${label} switch`, async () => {
    const storage = testStorage();
    const clock = virtualClock(`${first}T00:00:00-04:00`);
    const raw = {
      id: "genesis",
      name: "Genesis",
      project: "SothebAIs",
      collection: "Genesis",
      startDate: first,
      endDate: last,
      window: { start: "14:00", end: "16:00" },
      items: [1, 2, 3].map((n) => ({ item: `Genesis #${n}`, reserve: "1 ETH" })),
    };
    const engine = await auctionEngine(storage, { watermark: "clock", campaigns: [raw] }, clock);
    const phases: string[] = [];
    engine.bus.on("campaign.phase", (e: BusEvent<"campaign.phase">) => {
      phases.push(`${e.at} ${e.payload.day} ${e.payload.phase} → ${e.payload.endsAt}`);
    });
    try {
      const end = Temporal.PlainDate.from(last).add({ days: 1 }).toZonedDateTime(
        "America/New_York",
      );
      // In steps, letting the engine settle, as time passes for a real engine.
      while (Temporal.Instant.compare(clock.instant(), end.toInstant()) < 0) {
        await clock.advance(15 * 60_000);
        await engine.auctions.idle();
      }
      const off = label === "March"
        ? (day: string, hm: string) =>
          (day === "2026-03-07" || (day === "2026-03-08" && hm === "00:00")) ? "-05:00" : "-04:00"
        : (day: string, hm: string) =>
          (day === "2026-10-31" || (day === "2026-11-01" && hm === "00:00")) ? "-04:00" : "-05:00";
      const days = [0, 1, 2].map((i) => Temporal.PlainDate.from(first).add({ days: i }).toString());
      const expected = days.flatMap((d, i) => {
        const next = days[i + 1] ?? Temporal.PlainDate.from(d).add({ days: 1 }).toString();
        const nextOff = off(next, "00:00");
        const lines = [
          `${d}T14:00:00${off(d, "14:00")} ${d} auction → ${d}T16:00:00${off(d, "16:00")}`,
          `${d}T16:01:00${off(d, "16:00")} ${d} post-auction → ${next}T00:00:00${nextOff}`,
        ];
        return i === 0 ? lines : [
          `${d}T00:00:00${off(d, "00:00")} ${d} pre-auction → ${d}T14:00:00${off(d, "14:00")}`,
          ...lines,
        ];
      });
      // The first day's pre-auction is announced on start.
      assertEquals(phases, [
        `${first}T00:00:00${off(first, "00:00")} ${first} pre-auction → ${first}T14:00:00${
          off(first, "14:00")
        }`,
        ...expected,
      ]);
    } finally {
      await engine.stop();
      await storage.remove();
    }
  });
}

Deno.test("two campaigns at once: both run their day, and a wallet's funds are shared", async () => {
  const storage = testStorage();
  const clock = virtualClock("2026-06-01T00:00:00-04:00");
  const make = (id: string) => ({
    id,
    name: id,
    project: "SothebAIs",
    collection: id,
    startDate: "2026-06-01",
    endDate: "2026-06-01",
    window: { start: "14:00", end: "16:00" },
    items: [{ item: `${id} #1`, reserve: "1 ETH" }],
  });
  const engine = await auctionEngine(storage, {
    watermark: "clock",
    campaigns: [make("north"), make("south")],
  }, clock);
  try {
    await engine.book.link("@alice", "0x00000000000000000000000000000000000000a1");
    await engine.book.enter("@alice", "deposit", 4n * 10n ** 18n);
    const phases: string[] = [];
    engine.bus.on(
      "campaign.phase",
      (e) => void phases.push(`${e.payload.auctionId} ${e.payload.phase}`),
    );
    const results: string[] = [];
    engine.bus.on("bid.accepted", (e) => void results.push(`${e.payload.tweetId}:accepted`));
    engine.bus.on(
      "bid.rejected",
      (e) => void results.push(`${e.payload.tweetId}:${e.payload.reason}`),
    );
    const step = async (to: string) => {
      while (Temporal.Instant.compare(clock.instant(), Temporal.Instant.from(to)) < 0) {
        await clock.advance(30 * 60_000);
        await engine.auctions.idle();
      }
    };
    await step("2026-06-01T14:30:00-04:00");
    const bid = (id: string, text: string) =>
      engine.bus.emit("bid.submitted", {
        tweetId: id,
        handle: "@alice",
        text,
        tweetAt: "2026-06-01T14:20:00-04:00",
      });
    bid("1", "bid 3 #north-2026-06-01");
    bid("2", "bid 2 #south-2026-06-01");
    bid("3", "bid 1 #south-2026-06-01");
    bid("4", "bid 1");
    await engine.auctions.idle();
    assertEquals(results, ["1:accepted", "2:insufficient_funds", "3:accepted", "4:malformed"]);
    await step("2026-06-02T00:00:00-04:00");
    assertEquals(phases, [
      "north-2026-06-01 pre-auction",
      "south-2026-06-01 pre-auction",
      "north-2026-06-01 auction",
      "south-2026-06-01 auction",
      "north-2026-06-01 post-auction",
      "south-2026-06-01 post-auction",
    ]);
  } finally {
    await engine.stop();
    await storage.remove();
  }
});
