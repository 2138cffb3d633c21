/**
 * The filtered stream (Pro and above, app-only): its rules and one connection at a time (a second
 * is refused with X's TooManyConnections); each stored tweet that matches a rule is pushed as a
 * line of JSON and counted as read; a blank line every 20 s keeps the connection alive.
 */
import type { Hono } from "hono";
import { fieldsOf, matcher, notEnrolled, renderTweet, renderUser, route } from "./fake_x_http.ts";
import { countRead, type FakeStream, type FakeXState } from "./fake_x_state.ts";

export function mountStream(app: Hono, s: FakeXState) {
  app.get(
    "/2/tweets/search/stream/rules",
    route(s, "GET /2/tweets/search/stream/rules", (c) => {
      if (!s.tier.stream) return notEnrolled(c);
      const sent = new Date(s.now()).toISOString();
      return c.json(
        s.rules.length
          ? { data: s.rules, meta: { sent, result_count: s.rules.length } }
          : { meta: { sent, result_count: 0 } },
      );
    }, { appOnly: true }),
  );

  app.post(
    "/2/tweets/search/stream/rules",
    route(s, "POST /2/tweets/search/stream/rules", async (c) => {
      if (!s.tier.stream) return notEnrolled(c);
      const body = await c.req.json() as {
        add?: Array<{ value: string; tag?: string }>;
        delete?: { ids: string[] };
      };
      const sent = new Date(s.now()).toISOString();
      if (body.delete) {
        const before = s.rules.length;
        for (const id of body.delete.ids) {
          const i = s.rules.findIndex((r) => r.id === id);
          if (i >= 0) s.rules.splice(i, 1);
        }
        const deleted = before - s.rules.length;
        return c.json({
          meta: { sent, summary: { deleted, not_deleted: body.delete.ids.length - deleted } },
        });
      }
      const added = (body.add ?? []).filter((r) => !s.rules.some((x) => x.value === r.value))
        .map((r) => ({
          id: String(s.ruleSeq++),
          value: r.value,
          ...(r.tag ? { tag: r.tag } : {}),
        }));
      s.rules.push(...added);
      const n = (body.add ?? []).length;
      return c.json({
        ...(added.length ? { data: added } : {}),
        meta: {
          sent,
          summary: { created: added.length, not_created: n - added.length, valid: n, invalid: 0 },
        },
      }, 201);
    }, { appOnly: true }),
  );

  app.get(
    "/2/tweets/search/stream",
    route(s, "GET /2/tweets/search/stream", (c) => {
      if (!s.tier.stream) return notEnrolled(c);
      if (s.streams.size >= 1) {
        return c.json({
          title: "ConnectionException",
          detail: "This stream is currently at the maximum allowed connection limit.",
          connection_issue: "TooManyConnections",
          type: "https://api.twitter.com/2/problems/streaming-connection",
        }, 429);
      }
      const q = c.req.query();
      const tweetFields = fieldsOf(q["tweet.fields"]);
      const userFields = fieldsOf(q["user.fields"]);
      const expansions = fieldsOf(q.expansions);
      const encoder = new TextEncoder();
      let stream: FakeStream | undefined;
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(ctrl) {
          stream = {
            offer(t) {
              const matching = s.rules.filter((r) => matcher(r.value)(t));
              if (!matching.length) return;
              countRead(s, [t.id]);
              const payload: Record<string, unknown> = {
                data: renderTweet(t, tweetFields),
                matching_rules: matching.map((r) => ({
                  id: r.id,
                  ...(r.tag ? { tag: r.tag } : {}),
                })),
              };
              if (expansions.has("author_id")) {
                payload.includes = { users: [renderUser(s.users.get(t.author_id)!, userFields)] };
              }
              ctrl.enqueue(encoder.encode(JSON.stringify(payload) + "\r\n"));
            },
            close() {
              s.streams.delete(stream!);
              clearInterval(heartbeat);
              try {
                ctrl.close();
              } catch { /* already closed */ }
            },
          };
          s.streams.add(stream);
          // X sends a blank line every 20 s to keep the connection alive.
          heartbeat = setInterval(() => ctrl.enqueue(encoder.encode("\r\n")), 20_000);
        },
        cancel() {
          s.streams.delete(stream!);
          clearInterval(heartbeat);
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    }, { appOnly: true }),
  );
}
