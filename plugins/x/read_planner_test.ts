/**
 * The read planner's rules: phases from the auctions, the hot phase spending a
 * window's rest by its end (never more than remains, searches kept for the
 * sweep), fewer reads before and after auctions, and the degradation order.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import {
  ALIGN_WAIT_MS,
  alignDelay,
  combineWindows,
  degradeLevel,
  HOT_SPACING_MS,
  hotSpan,
  nextPhaseChange,
  nextReadDelay,
  phaseAt,
  pickAuth,
  SWEEP_RESERVE,
} from "./read_planner.ts";
import { TIER_LIMITS } from "./tier_limits.ts";

const END = Date.parse("2026-03-08T18:30:00Z");
const auction = {
  status: "open",
  endsAt: END,
  extensionWindowSeconds: 300,
  ingestGraceSeconds: 30,
};
const basic = TIER_LIMITS.basic;

Deno.test("phases: open until the extension window, hot to end + grace, idle otherwise", () => {
  deepStrictEqual(phaseAt(END - 600_000, [auction]).phase, "open");
  deepStrictEqual(phaseAt(END - 300_000, [auction]), { phase: "hot", until: END + 30_000 });
  // An auction that may be extended: the hot phase plans to its current end, not to the latest
  // end extensions may reach — until a bid has extended it: then to that latest end.
  deepStrictEqual(phaseAt(END - 300_000, [{ ...auction, maxEndsAt: END + 3_600_000 }]), {
    phase: "hot",
    until: END + 30_000,
  });
  deepStrictEqual(
    phaseAt(END - 300_000, [{ ...auction, maxEndsAt: END + 900_000, extensions: 1 }]),
    { phase: "hot", until: END + 930_000 },
  );
  // Past end + grace and not closed yet: still hot (the close waits for the read-through).
  deepStrictEqual(phaseAt(END + 60_000, [auction]), { phase: "hot", until: END + 90_000 });
  deepStrictEqual(phaseAt(END + 60_000, [{ ...auction, status: "closed" }]).phase, "idle");
  deepStrictEqual(phaseAt(END - 60_000, [{ ...auction, status: "scheduled" }]).phase, "pre");
  deepStrictEqual(phaseAt(END, []).phase, "idle");
  deepStrictEqual(nextPhaseChange(END - 600_000, [auction]), END - 300_000);
  deepStrictEqual(nextPhaseChange(END - 1000, [auction]), undefined);
});

Deno.test("hot: a Basic search window's rest is spent by the phase's end, two kept for the sweep", () => {
  const now = END - 300_000;
  const window = { ...basic.search, remaining: 42, resetAt: now + 600_000 };
  const d = nextReadDelay({
    source: "search",
    now,
    phase: "hot",
    hotUntil: END + 30_000,
    window,
    minMs: 1000,
    degrade: 0,
  })!;
  deepStrictEqual(d, Math.ceil(330_000 / (42 - SWEEP_RESERVE)));
  ok(d < 15_000, `hot search every ${d} ms`);
  // Only the sweep's reserve left: wait for the reset.
  const spent = nextReadDelay({
    source: "search",
    now,
    phase: "hot",
    hotUntil: END + 30_000,
    window: { ...window, remaining: SWEEP_RESERVE },
    minMs: 1000,
    degrade: 0,
  });
  deepStrictEqual(spent, 600_000);
});

Deno.test("fewer reads outside the last minutes; never more reads than the window holds", () => {
  const at = (phase: "hot" | "open" | "pre" | "idle", source: "mentions" | "search", degrade = 0) =>
    nextReadDelay({
      source,
      now: 0,
      phase,
      hotUntil: 300_000,
      window: basic[source],
      minMs: 1000,
      degrade,
    });
  deepStrictEqual(at("open", "mentions"), 90_000);
  deepStrictEqual(at("idle", "mentions"), 180_000);
  deepStrictEqual(at("open", "search"), 30_000);
  deepStrictEqual(at("idle", "search"), undefined);
  deepStrictEqual(at("pre", "mentions"), 90_000);
  deepStrictEqual(at("pre", "search"), undefined);
  ok(at("hot", "mentions")! < 90_000 && at("hot", "mentions")! >= 300_000 / 10);
  // Whatever the phase, a window's reads spaced this way fit in it.
  for (const phase of ["hot", "open", "idle"] as const) {
    for (const source of ["mentions", "search"] as const) {
      const d = at(phase, source);
      if (d !== undefined) ok(d * basic[source].limit >= Math.min(300_000, basic[source].windowMs));
    }
  }
});

Deno.test("degradation order: idle reads first, then search outside the hot phase, then open reads", () => {
  const at = (
    phase: "hot" | "open" | "pre" | "idle",
    source: "mentions" | "search",
    degrade: number,
  ) =>
    nextReadDelay({
      source,
      now: 0,
      phase,
      hotUntil: 300_000,
      window: basic[source],
      minMs: 1000,
      degrade,
    });
  deepStrictEqual(degradeLevel(undefined, 31), 0);
  deepStrictEqual(degradeLevel(31, 31), 1);
  deepStrictEqual(degradeLevel(26, 31), 2);
  deepStrictEqual(degradeLevel(10, 31), 3);
  deepStrictEqual(at("idle", "mentions", 1), 15 * 60_000);
  deepStrictEqual(at("pre", "mentions", 1), 15 * 60_000);
  deepStrictEqual(at("open", "search", 1), 30_000);
  deepStrictEqual(at("open", "search", 2), undefined);
  deepStrictEqual(at("open", "mentions", 2), 90_000);
  deepStrictEqual(at("open", "mentions", 3), 180_000);
  // The hot phase is never slowed.
  for (const level of [0, 1, 2, 3]) {
    deepStrictEqual(at("hot", "search", level), at("hot", "search", 0));
    deepStrictEqual(at("hot", "mentions", level), at("hot", "mentions", 0));
  }
});

Deno.test("two windows for the hot phase: a window opened to reset mid-way, its reads kept for it", () => {
  const W = basic.search.windowMs;
  const hot = hotSpan(END - 1_800_000, [auction])!;
  deepStrictEqual(hot, { from: END - 300_000, until: END + 30_000 });
  const middle = (hot.from + hot.until) / 2;
  // Twelve minutes before the aligned start: the extra source waits for it, the primary does not
  // (more than its own pace); a window that would start inside the hot phase is opened at once.
  const early = middle - W - 720_000;
  deepStrictEqual(alignDelay({ now: early, hot, windowMs: W, slackMs: W }), 720_000);
  deepStrictEqual(alignDelay({ now: early, hot, windowMs: W, slackMs: 90_000 }), 0);
  deepStrictEqual(
    alignDelay({ now: middle - W - 60_000, hot, windowMs: W, slackMs: 90_000 }),
    60_000,
  );
  deepStrictEqual(alignDelay({ now: hot.from - 1000, hot, windowMs: W, slackMs: W }), 0);
  deepStrictEqual(alignDelay({ now: early, windowMs: W, slackMs: W }), 0, "no auction ahead");
  // Opened at the aligned start, the window's reads wait for the hot phase...
  const opened = middle - W;
  const search = (now: number, remaining: number, phase: "open" | "hot", hotUntil?: number) =>
    nextReadDelay({
      source: "search",
      now,
      phase,
      hotUntil,
      nextHot: phase === "hot" ? undefined : hot,
      window: { ...basic.search, remaining, resetAt: opened + W },
      minMs: 1000,
      degrade: 0,
    })!;
  deepStrictEqual(search(opened, 59, "open"), hot.from - opened);
  // ...then are spent by the reset, mid-way (but the sweep's two): both halves of the hot phase
  // read about every 3 s.
  const first = search(hot.from, 59, "hot", hot.until);
  deepStrictEqual(first, Math.ceil((middle - hot.from) / (59 - SWEEP_RESERVE)));
  ok(first < 3000, `${first} ms`);
  // The primary is not held back: it carries the open phase at its even pace.
  const timeline = nextReadDelay({
    source: "mentions",
    now: hot.from - 600_000,
    phase: "open",
    nextHot: hot,
    window: { ...basic.mentions, remaining: 9, resetAt: hot.from + 200_000 },
    minMs: 1000,
    degrade: 0,
  })!;
  deepStrictEqual(timeline, Math.ceil(800_000 / 9));
});

Deno.test("two windows (the user's, the app's): planned as their sum, opened together", () => {
  const now = END - 600_000;
  const user = { auth: "user" as const, ...basic.search };
  const app = { auth: "app" as const, ...basic.search };
  // Neither opened: the first read opens the user's, the next the app's beside it.
  deepStrictEqual(combineWindows([user, app], now), { limit: 120, windowMs: 900_000 });
  deepStrictEqual(pickAuth([user, app], now), "user");
  const userOpen = { ...user, remaining: 59, resetAt: now + 900_000 };
  deepStrictEqual(pickAuth([userOpen, app], now + 15_000, { joining: true }), "app");
  deepStrictEqual(combineWindows([userOpen, app], now, true).remaining, 59 + 60);
  // Both open: the one with the most room; the sum until the first reset.
  const appOpen = { ...app, remaining: 40, resetAt: now + 915_000 };
  deepStrictEqual(pickAuth([userOpen, appOpen], now), "user");
  deepStrictEqual(pickAuth([{ ...userOpen, remaining: 10 }, appOpen], now), "app");
  deepStrictEqual(combineWindows([userOpen, appOpen], now), {
    limit: 120,
    windowMs: 900_000,
    remaining: 99,
    resetAt: now + 900_000,
  });
  // The user's reset, the app's not yet: the user's waits for it (they reset together) …
  const later = now + 905_000;
  const appSpent = { ...appOpen, remaining: 0 };
  deepStrictEqual(pickAuth([userOpen, appSpent], later), undefined);
  deepStrictEqual(combineWindows([userOpen, appSpent], later).remaining, 0);
  // … once both are reset, the sum again, its reset in the past (the read that opens is aligned).
  const both = combineWindows([userOpen, appSpent], now + 916_000);
  deepStrictEqual([both.remaining, both.resetAt], [120, now + 915_000]);
  // … but not for longer than ALIGN_WAIT_MS: a window resetting later is not waited for (its
  // last reads first, then the reset one).
  const far = { ...appSpent, remaining: 1, resetAt: later + ALIGN_WAIT_MS + 1000 };
  deepStrictEqual(pickAuth([userOpen, far], later), "app");
  deepStrictEqual(pickAuth([userOpen, { ...far, remaining: 0 }], later), "user");
  deepStrictEqual(combineWindows([userOpen, far], later).remaining, 61);
  // A window that refused the read (429): the other, opened at once if it must be.
  deepStrictEqual(pickAuth([userOpen, appSpent], later, { except: ["app"] }), "user");
  deepStrictEqual(
    pickAuth([{ ...userOpen, remaining: 0 }, appOpen], now, { except: ["app"] }),
    undefined,
  );
});

Deno.test("one opening that holds the hot phase: the windows reset where it starts (a lot that may be extended: where its latest last minutes start)", () => {
  const W = 900_000;
  const hot = hotSpan(END - 1_800_000, [auction])!;
  const now = END - 1_500_000;
  // 118 reads (Basic's search as the user and as the app) hold 330 s at one every 3 s.
  ok(118 * HOT_SPACING_MS >= hot.until - hot.from);
  deepStrictEqual(alignDelay({ now, hot, windowMs: W, slackMs: W, holds: 118 }), 300_000);
  // 58 (the user's alone) do not: reset mid-way, two openings for the phase, as before.
  deepStrictEqual(alignDelay({ now, hot, windowMs: W, slackMs: W, holds: 58 }), 465_000);
  // Up to the phase's start itself, not past it.
  const close = hot.from - 60_000;
  deepStrictEqual(alignDelay({ now: close, hot, windowMs: W, slackMs: W, holds: 118 }), 60_000);
  // A lot that may be extended (10 min): where its last 5 minutes start at the latest end.
  const ext = hotSpan(END - 1_800_000, [{ ...auction, maxEndsAt: END + 600_000 }])!;
  deepStrictEqual(ext.latestFrom, END + 300_000);
  const at = END - 1_400_000;
  deepStrictEqual(alignDelay({ now: at, hot: ext, windowMs: W, slackMs: W, holds: 118 }), 800_000);
});
