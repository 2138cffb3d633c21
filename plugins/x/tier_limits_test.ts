/**
 * The tier file: published numbers per endpoint, each replaceable from config,
 * and config errors that name the field at fault.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { describeIssues } from "../../core/config.ts";
import { xConfigSchema } from "./mod.ts";
import {
  LIMITS_SOURCE,
  resolveLimits,
  showUnfit,
  TIER_LIMITS,
  windowIntervalMs,
} from "./tier_limits.ts";

Deno.test("each tier states every read endpoint, the posts windows and the monthly cap", () => {
  assert(/^\d{4}-\d{2}-\d{2}$/.test(LIMITS_SOURCE.readOn));
  for (const [name, t] of Object.entries(TIER_LIMITS)) {
    for (const w of [t.mentions, t.search, t.ownTweets, ...t.posts]) {
      assert(w.limit > 0 && w.windowMs > 0, name);
    }
    assert(t.monthlyReads > 0, name);
  }
  assertEquals(windowIntervalMs(TIER_LIMITS.basic.mentions), 90_000);
  assertEquals(windowIntervalMs(TIER_LIMITS.basic.search), 15_000);
  assertEquals(TIER_LIMITS.basic.monthlyReads, 10_000);
  assertEquals(TIER_LIMITS.basic.stream, undefined);
  assert(TIER_LIMITS.pro.stream);
});

Deno.test("config overrides replace exactly the numbers given", () => {
  const config = xConfigSchema.parse({
    tier: "basic",
    limits: { search: { limit: 30, windowSeconds: 900 }, monthlyReads: 15_000 },
  });
  const t = resolveLimits(config.tier, config.limits);
  assertEquals(t.search, { limit: 30, windowMs: 900_000 });
  assertEquals(t.monthlyReads, 15_000);
  assertEquals(t.mentions, TIER_LIMITS.basic.mentions);
  assertEquals(t.posts, TIER_LIMITS.basic.posts);
  assertEquals(resolveLimits("pro", { stream: false }).stream, undefined);
});

Deno.test("a bad override is refused with the field named", () => {
  const bad = [
    [{ limits: { mentions: { limit: 0, windowSeconds: 900 } } }, "limits.mentions.limit"],
    [{ limits: { search: { limit: 10, windowSeconds: -1 } } }, "limits.search.windowSeconds"],
    [{ limits: { monthlyReads: "lots" } }, "limits.monthlyReads"],
    [{ limits: { posts: [] } }, "limits.posts"],
    [{ limits: { mentoins: { limit: 1, windowSeconds: 1 } } }, "limits"],
    [{ limits: { stream: true } }, "limits.stream"],
  ] as const;
  for (const [input, field] of bad) {
    const parsed = xConfigSchema.safeParse(input);
    if (parsed.success) throw new Error(`accepted: ${JSON.stringify(input)}`);
    const lines = describeIssues("plugin x: config", parsed.error);
    assert(
      lines.some((l) => l.startsWith(`plugin x: config.${field}:`)),
      `${JSON.stringify(input)} → ${lines.join("; ")}`,
    );
  }
});

Deno.test("tiers: Free cannot run a live auction and says why; Basic and above can", () => {
  const free = showUnfit("free", resolveLimits("free"));
  assert(
    free?.startsWith("the free tier cannot run a live auction: one mentions read every 15 min"),
    free,
  );
  assert(free?.includes("100 posts read a month"), free);
  for (const tier of ["basic", "pro", "pay-per-use"] as const) {
    assertEquals(showUnfit(tier, resolveLimits(tier)), undefined);
  }
  // An operator's contract with more reads on Free is judged by its numbers.
  assertEquals(
    showUnfit(
      "free",
      resolveLimits("free", {
        mentions: { limit: 10, windowSeconds: 900 },
        monthlyReads: 10_000,
      }),
    ),
    undefined,
  );
});
