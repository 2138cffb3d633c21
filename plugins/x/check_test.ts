/**
 * `main.ts check` on the month's cap: X's own count (`usage/tweets`, from the
 * fake X server that counts as X does) at the observed daily rate, or the
 * campaign's plan, says on which day the cap runs out — a problem line.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { serveFakeX } from "../../stand-ins/fake-x/mod.ts";
import { checkAppWindow, checkMonthlyCap } from "./check.ts";
import { xConfigSchema } from "./mod.ts";

Deno.test("check: 420 mentions a day on Basic, counted by X, runs out on day 24", async () => {
  let now = Date.parse("2026-12-01T15:00:00Z");
  const served = serveFakeX({ now: () => now, tier: "basic" });
  try {
    const auth = { authorization: 'OAuth oauth_consumer_key="k"' };
    for (let day = 0; day < 7; day++) {
      for (let i = 0; i < 420; i++) {
        served.fake.inject({ author: `@fan${i % 50}`, text: `@SothebAIs bid ${day}.${i} ETH` });
      }
      // Read them all (five pages), as the plugin would.
      let token = "";
      for (let page = 0; page < 5; page++) {
        const res = await fetch(
          `${served.url}/2/users/${served.fake.host.id}/mentions?max_results=100&start_time=${
            new Date(now - 3600_000).toISOString()
          }${token ? `&pagination_token=${token}` : ""}`,
          { headers: auth },
        );
        const body = await res.json();
        token = body.meta?.next_token ?? "";
        if (!token) break;
      }
      now += 86_400_000;
    }
    now = Date.parse("2026-12-08T00:00:00Z");
    const config = xConfigSchema.parse({
      tier: "basic",
      baseUrl: served.url,
      bearerToken: "app-token",
    });
    const finding = await checkMonthlyCap(config, 5000, now);
    deepStrictEqual(finding.status, "problem");
    ok(
      finding.text.startsWith(
        "Basic: 10,000 posts read a month; at 420 mentions a day the cap runs out on day 24",
      ),
      finding.text,
    );
    ok(finding.text.includes("2,940 used") && finding.text.includes("usage/tweets"), finding.text);
    ok(finding.text.includes("reads outside auctions every 15 min"), finding.text);
  } finally {
    await served.stop();
  }
});

Deno.test("check: without X's count, the campaign's plan; a plan that fits is ok", async () => {
  const now = Date.parse("2026-12-01T00:00:00Z");
  const plan = (perDay: number) =>
    checkMonthlyCap(
      xConfigSchema.parse({ tier: "basic", expectedMentionsPerDay: perDay }),
      1000,
      now,
    );
  const busy = await plan(420);
  deepStrictEqual(busy.status, "problem");
  ok(busy.text.includes("cap runs out on day 24") && busy.text.includes("the plan"), busy.text);
  const fits = await plan(300);
  deepStrictEqual(fits.status, "ok");
  ok(fits.text.includes("the month ends with 9,300 read (93 %)"), fits.text);
  const none = await checkMonthlyCap(xConfigSchema.parse({ tier: "pro" }), 1000, now);
  deepStrictEqual(none.status, "missing");
  ok(none.text.startsWith("1,000,000 posts read a month"), none.text);
});

Deno.test("check: the app's read window — in use with its limit from X's headers, refused, or off", async () => {
  const creds = { apiKey: "k", apiSecret: "s", accessToken: "t", accessSecret: "a" };
  const served = serveFakeX({ tier: "basic" });
  const refusing = serveFakeX({ tier: "basic", refuseBearer: 403 });
  try {
    const config = (url: string, more = {}) =>
      xConfigSchema.parse({ tier: "basic", baseUrl: url, ...creds, ...more });
    const inUse = await checkAppWindow(
      config(served.url, { bearerToken: "app-token" }),
      served.fake.host.id,
      5000,
    );
    deepStrictEqual(inUse.status, "ok");
    // Basic's per-app number is not in X's documentation: learned (the fake's: the user's 10).
    ok(inUse.text.startsWith("app window in use (X_BEARER_TOKEN): mentions reads 10 per 15 min"));
    ok(inUse.text.includes("learned") && inUse.text.includes("beside the user's 10"), inUse.text);
    const refused = await checkAppWindow(
      config(refusing.url, { bearerToken: "app-token" }),
      refusing.fake.host.id,
      5000,
    );
    deepStrictEqual(refused.status, "problem");
    ok(refused.text.includes("reads go as the user only"), refused.text);
    const off = await checkAppWindow(config(served.url), served.fake.host.id, 5000);
    deepStrictEqual(off.status, "missing");
    ok(off.text.includes("not in use"), off.text);
  } finally {
    await served.stop();
    await refusing.stop();
  }
});
