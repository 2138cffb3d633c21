/**
 * Free: X documents one mentions read per 15 minutes and 100 posts read a month — no live
 * auction can run on that. `/healthz` and `check` say so from the start, in words; the plugin still
 * reads at that pace (nothing is refused that X allows).
 */
import { ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { checkX } from "../check.ts";
import { xConfigSchema } from "../mod.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

Deno.test("Free: /healthz and check say the tier cannot run a live auction, and why", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "free" });
  const storage = xStorage();
  try {
    const engine = await startXEngine(storage, {
      x: { baseUrl: served.url, tier: "free", post: false },
    }, clock);
    await engine.x.idle();
    const reads = (await engine.health()).checks["x.reads"];
    ok(reads.warning, JSON.stringify(reads));
    ok(
      String(reads.detail).startsWith(
        "the free tier cannot run a live auction: one mentions read every 15 min",
      ),
      String(reads.detail),
    );
    ok(served.fake.stats().requests["GET /2/users/:id/mentions"] >= 1, "it still reads");
    await engine.stop();

    const findings = await checkX(
      xConfigSchema.parse({
        tier: "free",
        baseUrl: served.url,
        apiKey: "k",
        apiSecret: "s",
        accessToken: "t",
        accessSecret: "a",
      }),
      5000,
    );
    const unfit = findings.find((f) => f.text.startsWith("the free tier cannot run"));
    ok(unfit?.status === "problem", JSON.stringify(findings));
    ok(unfit.text.includes("100 posts read a month"), unfit.text);
  } finally {
    await served.stop();
    await storage.remove();
  }
});
