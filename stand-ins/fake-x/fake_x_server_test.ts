/** The fake X server answers in X's documented shapes, limits and errors. */
import { deepStrictEqual, ok } from "node:assert/strict";
import { createFakeX } from "./fake_x_server.ts";

const USER = { authorization: 'OAuth oauth_consumer_key="k"' };
const APP = { authorization: "Bearer t" };

function setup(tier: "basic" | "pro" = "pro") {
  let now = Date.parse("2026-03-08T18:00:00Z");
  const fake = createFakeX({ now: () => now, tier });
  const get = (path: string, headers: Record<string, string> = APP) =>
    fake.fetch(new Request(`http://x${path}`, { headers }));
  const post = (path: string, body: unknown, headers: Record<string, string> = USER) =>
    fake.fetch(
      new Request(`http://x${path}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  return { fake, get, post, tick: (ms: number) => (now += ms) };
}

Deno.test("mentions: fields on request, includes, meta, pagination newest first, since_id", async () => {
  const { fake, get, tick } = setup();
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    ids.push(fake.inject({ author: `@u${i % 3}`, text: `@SothebAIs bid ${i}` }).id);
    tick(1000);
  }
  fake.inject({ author: "@other", text: "not a mention" });
  const base = `/2/users/${fake.host.id}/mentions`;
  const bare = await (await get(`${base}?max_results=5`)).json();
  deepStrictEqual(Object.keys(bare.data[0]).sort(), ["edit_history_tweet_ids", "id", "text"]);
  deepStrictEqual(bare.includes, undefined);
  const r1 = await get(
    `${base}?max_results=5&expansions=author_id&tweet.fields=created_at,author_id`,
  );
  // A Bearer token: Pro's per-app window (450), not the per-user one (300).
  deepStrictEqual(r1.headers.get("x-rate-limit-limit"), "450");
  deepStrictEqual(r1.headers.get("x-rate-limit-remaining"), "448");
  const p1 = await r1.json();
  deepStrictEqual(p1.data.map((t: { id: string }) => t.id), ids.slice(7).reverse());
  deepStrictEqual(p1.meta.result_count, 5);
  deepStrictEqual(p1.meta.newest_id, ids[11]);
  deepStrictEqual(p1.meta.oldest_id, ids[7]);
  deepStrictEqual(p1.includes.users.map((u: { username: string }) => u.username).sort(), [
    "u0",
    "u1",
    "u2",
  ]);
  ok(p1.data[0].created_at.endsWith("Z") && p1.data[0].author_id);
  const p2 = await (await get(`${base}?max_results=5&pagination_token=${p1.meta.next_token}`))
    .json();
  deepStrictEqual(p2.data.map((t: { id: string }) => t.id), ids.slice(2, 7).reverse());
  const since = await (await get(`${base}?since_id=${ids[9]}`)).json();
  deepStrictEqual(since.data.map((t: { id: string }) => t.id), [ids[11], ids[10]]);
  deepStrictEqual(since.meta.next_token, undefined);
  deepStrictEqual(await (await get(`${base}?since_id=${ids[11]}`)).json(), {
    meta: { result_count: 0 },
  });
  const bad = await get(`${base}?max_results=3`);
  deepStrictEqual(bad.status, 400);
  deepStrictEqual((await bad.json()).title, "Invalid Request");
});

Deno.test("rate limits: headers count down, 429 when spent, reset after the window", async () => {
  const { fake, get, tick } = setup("basic");
  const base = `/2/users/${fake.host.id}/mentions`;
  for (let i = 0; i < 10; i++) deepStrictEqual((await get(base)).status, 200);
  const limited = await get(base);
  deepStrictEqual(limited.status, 429);
  deepStrictEqual(limited.headers.get("x-rate-limit-remaining"), "0");
  deepStrictEqual((await limited.json()).title, "Too Many Requests");
  const reset = Number(limited.headers.get("x-rate-limit-reset")) * 1000;
  tick(reset - Date.parse("2026-03-08T18:00:00Z"));
  deepStrictEqual((await get(base)).status, 200);
});

Deno.test("rate limits per user and per app: separate windows by the Authorization header's kind", async () => {
  const { fake, get } = setup("basic");
  const base = `/2/users/${fake.host.id}/mentions`;
  // Basic: X documents no per-app number; the fake assumes the per-user one (10).
  for (let i = 0; i < 10; i++) deepStrictEqual((await get(base, USER)).status, 200);
  deepStrictEqual((await get(base, USER)).status, 429);
  const app = await get(base, APP);
  deepStrictEqual([app.status, app.headers.get("x-rate-limit-remaining")], [200, "9"]);
  for (let i = 0; i < 9; i++) await get(base, APP);
  deepStrictEqual((await get(base, APP)).status, 429);
  const stats = fake.stats();
  deepStrictEqual(stats.rateLimitedBy, {
    "GET /2/users/:id/mentions": 1,
    "GET /2/users/:id/mentions (app)": 1,
  });
  deepStrictEqual(stats.appRequests["GET /2/users/:id/mentions"], 11);
  // Hostile options: an app window's headers missing or lying; the app's token refused.
  const quiet = createFakeX({ tier: "basic", appHeaders: "missing" });
  const q = await quiet.fetch(
    new Request(`http://x${base.replace(fake.host.id, quiet.host.id)}`, {
      headers: APP,
    }),
  );
  deepStrictEqual([q.status, q.headers.get("x-rate-limit-limit")], [200, null]);
  const liar = createFakeX({ tier: "basic", appHeaders: "lying" });
  const l = await liar.fetch(
    new Request(`http://x/2/users/${liar.host.id}/mentions`, {
      headers: APP,
    }),
  );
  deepStrictEqual(l.headers.get("x-rate-limit-limit"), "100");
  const refusing = createFakeX({ tier: "basic", refuseBearer: 401 });
  const r = await refusing.fetch(
    new Request(`http://x/2/users/${refusing.host.id}/mentions`, {
      headers: APP,
    }),
  );
  deepStrictEqual(r.status, 401);
});

Deno.test("posting: user context only, 201 shape, duplicate refused, 24 h headers, replies", async () => {
  const { fake, post } = setup();
  const parent = fake.inject({ author: "@alice", text: "@SothebAIs bid 1" });
  const app = await post("/2/tweets", { text: "hi" }, APP);
  deepStrictEqual(app.status, 403);
  deepStrictEqual((await app.json()).title, "Unsupported Authentication");
  const ok1 = await post("/2/tweets", {
    text: "@alice got it",
    reply: { in_reply_to_tweet_id: parent.id },
  });
  deepStrictEqual(ok1.status, 201);
  ok(ok1.headers.get("x-user-limit-24hour-remaining"));
  const body = await ok1.json();
  deepStrictEqual(Object.keys(body.data).sort(), ["edit_history_tweet_ids", "id", "text"]);
  deepStrictEqual(fake.posts()[0].referenced_tweets, [{ type: "replied_to", id: parent.id }]);
  const dup = await post("/2/tweets", { text: "@alice got it" });
  deepStrictEqual(dup.status, 403);
  ok((await dup.json()).detail.includes("duplicate content"));
  deepStrictEqual(
    (await post("/2/tweets", { text: "x", reply: { in_reply_to_tweet_id: "1" } })).status,
    403,
  );
  deepStrictEqual((await fake.fetch(new Request("http://x/2/users/me"))).status, 401);
});

Deno.test("faults: forced 503 and 429 on a path, after n requests", async () => {
  const { fake, get } = setup();
  const base = `/2/users/${fake.host.id}/mentions`;
  fake.fault({ status: 503, times: 1, path: base, after: 1 });
  deepStrictEqual((await get(base)).status, 200);
  deepStrictEqual((await get(base)).status, 503);
  deepStrictEqual((await get(base)).status, 200);
  fake.fault({ status: 429, times: 1, path: base });
  const r = await get(base);
  deepStrictEqual([r.status, r.headers.get("x-rate-limit-remaining")], [429, "0"]);
});

Deno.test("monthly cap: posts read counted once a day, 429 UsageCapExceeded over it, new month resets", async () => {
  let now = Date.parse("2026-03-30T18:00:00Z");
  const fake = createFakeX({ now: () => now, tier: "basic", monthlyReads: 12 });
  const get = (path: string) => fake.fetch(new Request(`http://x${path}`, { headers: USER }));
  for (let i = 0; i < 8; i++) fake.inject({ author: `@u${i}`, text: `@SothebAIs bid ${i}` });
  const mentions = `/2/users/${fake.host.id}/mentions?max_results=100`;
  const search = `/2/tweets/search/recent?query=%40SothebAIs&max_results=100`;
  deepStrictEqual((await get(mentions)).status, 200);
  deepStrictEqual(fake.stats().postsRead, 8);
  // The same posts from another endpoint the same day: X counts them once.
  now += 20_000;
  deepStrictEqual((await get(search)).status, 200);
  deepStrictEqual(fake.stats().postsRead, 8);
  // The next day they count again.
  now += 86_400_000;
  deepStrictEqual((await get(mentions)).status, 200);
  deepStrictEqual(fake.stats().postsRead, 16);
  const capped = await get(mentions);
  deepStrictEqual(capped.status, 429);
  const body = await capped.json();
  deepStrictEqual([body.title, body.type], [
    "UsageCapExceeded",
    "https://api.twitter.com/2/problems/usage-capped",
  ]);
  deepStrictEqual((await get(search)).status, 429);
  deepStrictEqual(fake.stats().capped, 2);
  now = Date.parse("2026-04-01T00:00:01Z");
  deepStrictEqual((await get(mentions)).status, 200);
  deepStrictEqual(fake.stats().postsRead, 8);
});

Deno.test("faults: 429 without a reset header, 187 duplicate, 226 automated, a page cut off", async () => {
  const { fake, get, post } = setup();
  const base = `/2/users/${fake.host.id}/mentions`;
  fake.fault({ status: 429, times: 1, path: base, noReset: true });
  const r = await get(base);
  deepStrictEqual([r.status, r.headers.get("x-rate-limit-reset")], [429, null]);
  fake.fault({ status: 187, times: 1, path: "/2/tweets", method: "POST" });
  const dup = await post("/2/tweets", { text: "never posted before" });
  deepStrictEqual(dup.status, 403);
  const dupBody = await dup.json();
  deepStrictEqual(dupBody.errors[0].code, 187);
  ok(dupBody.detail.includes("duplicate content"));
  fake.fault({ status: 226, times: 2, path: "/2/" });
  const auto = await post("/2/tweets", { text: "hello" });
  deepStrictEqual(auto.status, 403);
  deepStrictEqual((await auto.json()).errors[0].code, 226);
  deepStrictEqual((await get(base)).status, 403);
  deepStrictEqual((await post("/2/tweets", { text: "hello" })).status, 201);
  fake.fault({ status: 0, times: 1, path: base });
  const cut = await get(base);
  let parsed = true;
  try {
    await cut.json();
  } catch {
    parsed = false;
  }
  ok(!parsed, "a cut-off body does not parse");
  deepStrictEqual(fake.stats().faults, 5);
});

Deno.test("recent search: without end_time up to 30 s ago (as X documents), with one up to it (≥ 10 s ago)", async () => {
  const { fake, get, tick } = setup("basic");
  const old = fake.inject({ author: "@a", text: "@SothebAIs bid 1" }).id;
  tick(25_000);
  const fresh = fake.inject({ author: "@b", text: "@SothebAIs bid 2" }).id;
  tick(15_000); // old: 40 s ago, fresh: 15 s ago
  const search = (more = "") =>
    get(`/2/tweets/search/recent?query=%40SothebAIs&max_results=10${more}`, USER);
  const ids = async (r: Response) => ((await r.json()).data ?? []).map((t: { id: string }) => t.id);
  deepStrictEqual(await ids(await search()), [old]);
  const tenAgo = new Date(Date.parse("2026-03-08T18:00:40Z") - 11_000).toISOString();
  deepStrictEqual(await ids(await search(`&end_time=${tenAgo}`)), [fresh, old]);
  const tooFresh = new Date(Date.parse("2026-03-08T18:00:40Z") - 5_000).toISOString();
  deepStrictEqual((await search(`&end_time=${tooFresh}`)).status, 400);
});
