/** The month's projection: when the cap runs out at the observed rate, in the operator's words. */
import { deepStrictEqual } from "node:assert/strict";
import { describeProjection, projectMonth } from "./read_usage.ts";

Deno.test("Basic at 420 mentions a day runs out on day 24; at 300 it lasts the month", () => {
  const start = Date.parse("2026-12-01T00:00:00Z");
  const p = projectMonth({ cap: 10_000, used: 0, perDay: 420, now: start });
  deepStrictEqual(p.runsOutOnDay, 24);
  deepStrictEqual(
    describeProjection("basic", p),
    "Basic: 10,000 posts read a month; at 420 mentions a day the cap runs out on day 24",
  );
  const q = projectMonth({ cap: 10_000, used: 3000, perDay: 300, now: start + 10 * 86_400_000 });
  deepStrictEqual([q.runsOutOnDay, q.projected], [undefined, 9300]);
  deepStrictEqual(
    describeProjection("basic", q),
    "Basic: 10,000 posts read a month; at 300 mentions a day the month ends with 9,300 read (93 %)",
  );
  const spent = projectMonth({
    cap: 10_000,
    used: 10_000,
    perDay: 500,
    now: start + 20.5 * 86_400_000,
  });
  deepStrictEqual(spent.runsOutOnDay, 21);
  deepStrictEqual(
    describeProjection("basic", spent),
    "Basic: 10,000 posts read a month; the cap is spent (10,000 read this month)",
  );
});
