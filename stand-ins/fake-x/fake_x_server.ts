/**
 * A fake X API v2 server: the subset the `x` plugin uses, with X's documented
 * response shapes (fields only when asked for, `includes`, `meta`, problem-JSON
 * errors), `x-rate-limit-*` headers and 429s per endpoint window, and the
 * monthly cap on posts read (a post returned twice in a UTC day counts once,
 * as X dedupes; over the cap every read endpoint answers 429 UsageCapExceeded).
 * Tweets live in memory. A control API under `/_fake/` injects tweets, reads
 * what was posted and forces faults: 429s (with or without a reset header),
 * 5xx bursts, bodies cut off mid-page, duplicate refusals (187), X's
 * "automated" refusal (226), and dropped filtered-stream connections.
 *
 * It is a test double for a service that cannot be reached from here: it
 * follows X's documentation, not the plugin's convenience.
 */
import { Hono } from "hono";
import { problem } from "./fake_x_http.ts";
import { mountPosts } from "./fake_x_posts.ts";
import { mountReads } from "./fake_x_reads.ts";
import {
  createFakeXState,
  type FakeX,
  type FakeXOptions,
  type FakeXState,
  stats,
  storeTweet,
  userOf,
} from "./fake_x_state.ts";
import { mountStream } from "./fake_x_stream.ts";

export type { FakeInput, FakeTweet, FakeUser, FakeX, FakeXOptions, Fault } from "./fake_x_state.ts";

/** The server: its state, X's routes over it, and the control API under `/_fake/`. */
export function createFakeX(options: FakeXOptions = {}): FakeX {
  const s = createFakeXState(options);
  const app = new Hono();
  mountReads(app, s);
  mountPosts(app, s);
  mountStream(app, s);
  const inject = mountControl(app, s);
  app.onError((error, c) => {
    return c.json(problem(500, "Internal Server Error", String(error.message)), 500);
  });
  const disconnectStreams = () => {
    for (const stream of [...s.streams]) stream.close();
  };
  return {
    app,
    fetch: (request) => app.fetch(request),
    user: (handle) => userOf(s, handle),
    host: s.host,
    inject,
    posts: () => [...s.posted],
    fault: (f) => s.faults.push({ ...f }),
    disconnectStreams,
    stats: () => stats(s),
    options,
  };
}

/** Not X's: inject tweets, read what was posted, force faults, drop the stream. */
function mountControl(app: Hono, s: FakeXState): FakeX["inject"] {
  const inject: FakeX["inject"] = (input) => {
    const { author, text, createdAt, inReplyTo } = input;
    const created = createdAt ? Date.parse(createdAt) : s.now();
    const tweet = storeTweet(s, userOf(s, author), text, created, inReplyTo, {
      quotes: input.quotes,
      editOf: input.editOf,
    });
    if (input.missingFromMentions) s.missingFromMentions.add(tweet.id);
    return tweet;
  };
  app.post("/_fake/tweets", async (c) => {
    const input = await c.req.json();
    const list = Array.isArray(input) ? input : [input];
    return c.json({ data: list.map((t) => inject(t)) }, 201);
  });
  app.get("/_fake/tweets", (c) => c.json({ data: s.tweets }));
  app.get("/_fake/posts", (c) => c.json({ data: s.posted }));
  app.post("/_fake/faults", async (c) => {
    const f = await c.req.json();
    s.faults.push({ ...f, times: f.times ?? 1 });
    return c.json({ ok: true });
  });
  app.get("/_fake/stats", (c) => c.json(stats(s)));
  /** Closes every open filtered stream, as a network cut would. */
  app.post("/_fake/stream/disconnect", (c) => {
    const n = s.streams.size;
    for (const stream of [...s.streams]) stream.close();
    return c.json({ closed: n });
  });
  app.get("/_fake/users", (c) => c.json({ data: [...s.users.values()] }));
  return inject;
}
