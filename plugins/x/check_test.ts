/**
 * `main.ts check` on the month's cap: X's own count (`usage/tweets`, from the
 * fake X server that counts as X does) at the observed daily rate, or the
 * campaign's plan, says on which day the cap runs out — a problem line. And the app's window:
 * X's header, and (with Postgres configured) the per-app limits stored from earlier runs as the
 * planner starts with them, read through a session that refuses writes.
 */
import { deepStrictEqual, ok, rejects } from "node:assert/strict";
import { runChecks } from "../../core/check.ts";
import { loadPlugins, readSettings } from "../../core/config.ts";
import { serveFakeX } from "../../stand-ins/fake-x/mod.ts";
import { serviceAvailable, uniqueName } from "../../tests/services.ts";
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

const postgresUrl = Deno.env.get("DATABASE_URL");
Deno.test({
  name: "check: the stored per-app limits as the planner starts with them, read-only (Postgres)",
  ignore: !(await serviceAvailable("postgres", () => postgresUrl)),
  async fn() {
    const served = serveFakeX({ tier: "basic" });
    const schema = uniqueName("xcheck");
    const { default: postgres } = await import("postgres");
    const sql = postgres(postgresUrl!, { onnotice: () => {} });
    try {
      await sql.unsafe(`create schema "${schema}"`);
      const migration = await Deno.readTextFile(
        new URL("./migrations/009_app_limits.sql", import.meta.url),
      );
      await sql.unsafe(`set search_path to "${schema}"; ${migration}`);
      // search: learned 60; mentions: 500, beyond Basic's bound (twice the user's 10): not believed.
      await sql.unsafe(
        `insert into "${schema}".x_app_limits values
           ('search', 60, 'GET /2/tweets/search/recent', now()),
           ('mentions', 500, 'GET /2/users/:id/mentions', now())`,
      );
      const env = {
        DATABASE_URL: postgresUrl!,
        DATABASE_SCHEMA: schema,
        X_API_KEY: "k",
        X_API_SECRET: "s",
        X_ACCESS_TOKEN: "t",
        X_ACCESS_SECRET: "a",
        X_BEARER_TOKEN: "app-token",
      };
      const entries = [{
        label: "x",
        specifier: new URL("./mod.ts", import.meta.url).href,
        config: {
          tier: "basic",
          baseUrl: served.url,
          apiKey: "${X_API_KEY}",
          apiSecret: "${X_API_SECRET}",
          accessToken: "${X_ACCESS_TOKEN}",
          accessSecret: "${X_ACCESS_SECRET}",
          bearerToken: "${X_BEARER_TOKEN}",
        },
      }];
      const { plugins } = await loadPlugins(entries, env);
      const findings = await runChecks(readSettings(env), plugins, 5000);
      const app = findings.find((f) => f.part === "x" && f.text.startsWith("app window"));
      ok(app?.text.includes("search 60 per 15 min stored (x_app_limits)"), app?.text);
      ok(app?.text.includes("mentions none stored"), app?.text);
      ok(app?.text.includes("1 stored row(s) not believed"), app?.text);
      const rows = await sql.unsafe(`select count(*)::int as n from "${schema}".x_app_limits`);
      deepStrictEqual(rows[0].n, 2, "check wrote nothing");
      // The plugins' view refuses writes: a check cannot change state.
      let query: ((text: string) => Promise<unknown>) | undefined;
      const spy = [{
        label: "spy",
        config: {},
        plugin: {
          name: "spy",
          check: (ctx: { query?: (text: string) => Promise<unknown> }) => {
            query = ctx.query;
            return ctx.query!("delete from x_app_limits").then(
              () => [{ status: "problem" as const, text: "wrote" }],
              (e: Error) => [{ status: "ok" as const, text: e.message }],
            );
          },
        },
      }] as never;
      const refused = await runChecks(readSettings(env), spy, 5000);
      const line = refused.find((f) => f.part === "spy");
      deepStrictEqual(line?.status, "ok", line?.text);
      ok(line?.text.includes("read-only"), line?.text);
      ok(query, "a query was given");
      await rejects(() => query!("select 1"), "closed once the checks are done");
      deepStrictEqual(
        (await sql.unsafe(`select count(*)::int as n from "${schema}".x_app_limits`))[0].n,
        2,
      );
    } finally {
      await sql.unsafe(`drop schema if exists "${schema}" cascade`);
      await sql.end();
      await served.stop();
    }
  },
});
