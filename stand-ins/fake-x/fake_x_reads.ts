/**
 * The fake X's read endpoints: the account (`users/me`, by username), the mentions and user
 * timelines, recent search (7 days back, up to 10 s before now, as X) and the project's usage
 * against the monthly cap (`GET /2/usage/tweets`, app-only). Every page counts its posts read.
 */
import type { Hono } from "hono";
import {
  fieldsOf,
  invalid,
  matcher,
  mentionsHost,
  problem,
  renderUser,
  route,
  timelinePage,
} from "./fake_x_http.ts";
import { countRead, type FakeXState } from "./fake_x_state.ts";

export function mountReads(app: Hono, s: FakeXState) {
  app.get(
    "/2/users/me",
    route(
      s,
      "GET /2/users/me",
      (c) => c.json({ data: renderUser(s.host, fieldsOf(c.req.query("user.fields"))) }),
      {
        userOnly: true,
      },
    ),
  );

  app.get(
    "/2/users/by/username/:username",
    route(s, "GET /2/users/by/username/:username", (c) => {
      const name = c.req.param("username") ?? "";
      const u = s.byName.get(name.toLowerCase());
      if (!u) {
        return c.json({
          errors: [{
            value: name,
            detail: `Could not find user with username: [${name}].`,
            title: "Not Found Error",
            resource_type: "user",
            parameter: "username",
            resource_id: name,
            type: "https://api.twitter.com/2/problems/resource-not-found",
          }],
        });
      }
      return c.json({ data: renderUser(u, fieldsOf(c.req.query("user.fields"))) });
    }),
  );

  app.get(
    "/2/users/:id/mentions",
    route(s, "GET /2/users/:id/mentions", (c) => {
      const u = s.users.get(c.req.param("id") ?? "");
      if (!u) return c.json(problem(404, "Not Found Error", "User not found"), 404);
      return timelinePage(s, c, mentionsHost(s, u), {
        min: 5,
        max: 100,
        dflt: 10,
        tokenParam: ["pagination_token"],
      });
    }),
  );

  app.get(
    "/2/users/:id/tweets",
    route(s, "GET /2/users/:id/tweets", (c) => {
      const id = c.req.param("id") ?? "";
      return timelinePage(s, c, (t) => t.author_id === id, {
        min: 5,
        max: 100,
        dflt: 10,
        tokenParam: ["pagination_token"],
      });
    }),
  );

  app.get(
    "/2/tweets/search/recent",
    route(s, "GET /2/tweets/search/recent", (c) => {
      const query = c.req.query("query");
      if (!query) {
        return invalid(c, "query", "", "The `query` query parameter can not be empty");
      }
      // Recent search covers the last 7 days, up to 10 seconds before the request.
      const start = c.req.query("start_time");
      const end = c.req.query("end_time");
      for (const [name, value] of [["start_time", start], ["end_time", end]] as const) {
        if (value !== undefined && Number.isNaN(Date.parse(value))) {
          return invalid(c, name, value, `Invalid ${name} [${value}]`);
        }
      }
      const weekAgo = new Date(s.now() - 7 * 86_400_000).toISOString();
      if (start !== undefined && Date.parse(start) < Date.parse(weekAgo)) {
        return invalid(
          c,
          "start_time",
          start,
          `Invalid 'start_time':'${start}'. 'start_time' must be on or after ${weekAgo}`,
        );
      }
      if (end !== undefined && Date.parse(end) > s.now() - 10_000) {
        return invalid(
          c,
          "end_time",
          end,
          `Invalid 'end_time':'${end}'. 'end_time' must be a minimum of 10 seconds prior to the request time.`,
        );
      }
      return timelinePage(s, c, matcher(query), {
        min: 10,
        max: 100,
        dflt: 10,
        tokenParam: ["next_token", "pagination_token"],
        defaultEndMs: s.now() - (s.options.searchLagMs ?? 30_000),
      });
    }),
  );

  app.get(
    "/2/usage/tweets",
    route(s, "GET /2/usage/tweets", (c) => {
      const days = c.req.query("days") === undefined ? 7 : Number(c.req.query("days"));
      if (!Number.isInteger(days) || days < 1 || days > 90) {
        return invalid(c, "days", String(c.req.query("days")), "days must be between 1 and 90");
      }
      countRead(s, []);
      const today = Date.parse(`${s.reads.day}T00:00:00Z`);
      const usage = [];
      for (let i = days - 1; i >= 0; i--) {
        const day = new Date(today - i * 86_400_000).toISOString().slice(0, 10);
        usage.push({ date: `${day}T00:00:00.000Z`, usage: String(s.reads.daily.get(day) ?? 0) });
      }
      return c.json({
        data: {
          cap_reset_day: 1,
          project_id: "1",
          project_cap: String(s.tier.monthlyReads),
          project_usage: String(s.reads.postsRead),
          daily_project_usage: { project_id: "1", usage },
        },
      });
    }, { appOnly: true }),
  );
}
