/**
 * The outbox against the fake X server: a post whose answer is lost is found
 * again, not repeated; duplicate texts are worded anew; a 429 waits for the
 * reset (without the header, the posting window); priorities decide the order;
 * a refused post fails without a loop and shows; X's duplicate refusal words a
 * post anew or fails it, never the same text forever; 226 pauses posting; a
 * post stuck in flight stops holding budget and shows on /healthz.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { virtualClock } from "../../../core/clock.ts";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { PRIORITIES, rephrase, WORDINGS } from "../outbox.ts";
import { startXEngine, xStorage } from "./x_engine.ts";

async function setup(refuseDuplicates = false) {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const served = serveFakeX({
    now: () => clock.instant().epochMilliseconds,
    tier: "pro",
    refuseDuplicates,
  });
  const storage = xStorage();
  const engine = await startXEngine(storage, {
    x: { baseUrl: served.url, tier: "pro", read: false },
  }, clock);
  const status = async () =>
    Object.fromEntries(
      (await engine.db.query<{ key: string; status: string; tweet_id: string | null }>(
        "select key, status, tweet_id from x_outbox order by id",
      )).map((r) => [r.key, `${r.status}:${r.tweet_id ?? ""}`]),
    );
  return {
    clock,
    served,
    engine,
    status,
    async stop() {
      await engine.stop();
      await served.stop();
      await storage.remove();
    },
  };
}

Deno.test("outbox: a post stored by X whose answer was lost (503) is reconciled, not repeated", async () => {
  const t = await setup();
  try {
    t.served.fake.fault({ status: 503, times: 1, path: "/2/tweets", method: "POST", commit: true });
    await t.engine.x.post({ key: "a", kind: "results", priority: "winner", text: "Result A" });
    await t.engine.x.idle();
    deepStrictEqual((await t.status()).a, "sending:", "in doubt after the 503");
    await t.clock.advance(5_000);
    await t.engine.x.idle();
    const posts = t.served.fake.posts();
    deepStrictEqual(posts.map((p) => p.text), ["Result A"]);
    deepStrictEqual((await t.status()).a, `sent:${posts[0].id}`);
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: same text twice is made unique; a key queued twice posts once", async () => {
  const t = await setup();
  try {
    await t.engine.x.post({ key: "a", kind: "chatter", priority: "winner", text: "Going once!" });
    await t.engine.x.post({ key: "b", kind: "chatter", priority: "winner", text: "Going once!" });
    deepStrictEqual(
      await t.engine.x.post({ key: "b", kind: "chatter", priority: "winner", text: "x" }),
      false,
    );
    await t.engine.x.idle();
    // A second wording, not a visible counter.
    deepStrictEqual(t.served.fake.posts().map((p) => p.text), [
      "Going once!",
      `Going once! ${WORDINGS[0]}`,
    ]);
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: a 429 waits for the reset; then priorities decide the order, stale low ones drop", async () => {
  const t = await setup();
  try {
    t.served.fake.fault({ status: 429, times: 1, path: "/2/tweets", method: "POST" });
    await t.engine.x.post({ key: "first", kind: "chatter", priority: "chatter", text: "hello" });
    await t.engine.x.idle();
    deepStrictEqual(t.served.fake.posts().length, 0);
    for (const p of [...PRIORITIES].reverse()) {
      await t.engine.x.post({ key: p, kind: p, priority: p, text: `post ${p}` });
    }
    await t.engine.x.idle();
    deepStrictEqual(t.served.fake.posts().length, 0, "still waiting for the reset");
    await t.clock.advance(15 * 60_000 + 2_000);
    await t.engine.x.idle();
    await t.clock.advance(60_000);
    await t.engine.x.idle();
    // In priority order; acks (15 min) and chatter (10 min) waited too long: stream only.
    const texts = t.served.fake.posts().map((p) => p.text);
    deepStrictEqual(texts, [
      "post winner",
      "post outbid",
      "post rejection",
      "post answer",
      "post announcement",
    ]);
    const s = await t.status();
    deepStrictEqual([s.ack, s.chatter, s.first], ["dropped:", "dropped:", "dropped:"]);
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: a post X refuses (reply to a deleted tweet) fails once, is not retried", async () => {
  const t = await setup();
  try {
    await t.engine.x.post({
      key: "r",
      kind: "ack",
      priority: "winner",
      text: "reply",
      replyTo: "123",
    });
    await t.engine.x.post({ key: "next", kind: "ack", priority: "winner", text: "next" });
    await t.engine.x.idle();
    const s = await t.status();
    deepStrictEqual(s.r, "failed:");
    ok(s.next.startsWith("sent:"));
    deepStrictEqual(t.served.fake.stats().requests["POST /2/tweets"], 2);
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: X's duplicate refusal words the post anew; out of wordings it fails, visibly", async () => {
  const t = await setup(true);
  try {
    const failed: unknown[] = [];
    t.engine.bus.on("x.post-failed", (e) => void failed.push(e.payload));
    // The same text already on the account (posted elsewhere): X refuses it (187).
    t.served.fake.fault({ status: 187, times: 1, path: "/2/tweets", method: "POST" });
    await t.engine.x.post({ key: "a", kind: "results", priority: "winner", text: "Sold!" });
    await t.engine.x.idle();
    deepStrictEqual(t.served.fake.posts().map((p) => p.text), [rephrase("Sold!", 1)]);
    // Every wording refused: the post fails once, is reported, and is not tried again.
    t.served.fake.fault({
      status: 187,
      times: WORDINGS.length + 1,
      path: "/2/tweets",
      method: "POST",
    });
    await t.engine.x.post({ key: "b", kind: "results", priority: "winner", text: "Next lot!" });
    await t.engine.x.idle();
    await t.clock.advance(60_000);
    await t.engine.x.idle();
    const s = await t.status();
    deepStrictEqual(s.b, "failed:");
    // "Sold!" twice (refused, then worded anew); "Next lot!" in each of its wordings once.
    deepStrictEqual(t.served.fake.stats().requests["POST /2/tweets"], 2 + WORDINGS.length + 1);
    deepStrictEqual(failed.length, 1);
    const health = (await t.engine.health()).checks["x.outbox"];
    deepStrictEqual([health.ok, health.warning], [true, true], "shown, not an outage");
    ok(String(health.detail).includes("refused for good"), health.detail);
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: error 226 pauses posting for long and says so; a 429 without a reset waits the window", async () => {
  const t = await setup();
  try {
    t.served.fake.fault({ status: 226, times: 1, path: "/2/tweets", method: "POST" });
    await t.engine.x.post({ key: "a", kind: "results", priority: "winner", text: "Sold!" });
    await t.engine.x.idle();
    const health = (await t.engine.health()).checks["x.outbox"];
    deepStrictEqual(health.ok, false);
    ok(String(health.detail).includes("226"), health.detail);
    await t.clock.advance(14 * 60_000);
    await t.engine.x.idle();
    deepStrictEqual(t.served.fake.posts().length, 0, "paused");
    await t.clock.advance(61_000);
    await t.engine.x.idle();
    deepStrictEqual(t.served.fake.posts().map((p) => p.text), ["Sold!"]);
    deepStrictEqual((await t.engine.health()).checks["x.outbox"].ok, true);

    t.served.fake.fault({
      status: 429,
      times: 1,
      path: "/2/tweets",
      method: "POST",
      noReset: true,
    });
    await t.engine.x.post({ key: "b", kind: "results", priority: "winner", text: "Next!" });
    await t.engine.x.idle();
    await t.clock.advance(15 * 60_000 - 1000);
    await t.engine.x.idle();
    deepStrictEqual(t.served.fake.posts().length, 1, "Pro's posting window is 15 minutes");
    await t.clock.advance(2000);
    await t.engine.x.idle();
    deepStrictEqual(t.served.fake.posts().length, 2);
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: a post stuck in flight (own timeline unreadable) shows, and stops holding budget", async () => {
  const t = await setup();
  try {
    t.served.fake.fault({ status: 503, times: 1, path: "/2/tweets", method: "POST" });
    t.served.fake.fault({
      status: 503,
      times: 10_000,
      path: `/2/users/${t.served.fake.host.id}/tweets`,
      method: "GET",
    });
    await t.engine.x.post({ key: "a", kind: "results", priority: "winner", text: "Sold!" });
    await t.engine.x.idle();
    deepStrictEqual((await t.status()).a, "sending:");
    const [w] = await t.engine.x.usage();
    deepStrictEqual(w.used, 1, "in doubt: counted while its attempt is in the window");
    await t.clock.advance(3 * 60_000);
    await t.engine.x.idle();
    let health = (await t.engine.health()).checks["x.outbox"];
    deepStrictEqual(health.ok, false);
    ok(String(health.detail).includes("in flight"), health.detail);
    await t.clock.advance(15 * 60_000);
    await t.engine.x.idle();
    deepStrictEqual((await t.engine.x.usage())[0].used, 0, "past the window it holds none");
    health = (await t.engine.health()).checks["x.outbox"];
    deepStrictEqual(health.ok, false, "still unconfirmed: still not ok");
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: on Free (17 posts / 24 h, a spacing that is no whole millisecond) posts go out", async () => {
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const served = serveFakeX({ now: () => clock.instant().epochMilliseconds, tier: "free" });
  const storage = xStorage();
  const engine = await startXEngine(storage, {
    x: { baseUrl: served.url, tier: "free", read: false },
  }, clock);
  try {
    await engine.x.post({ key: "w", kind: "results", priority: "winner", text: "Sold!" });
    await engine.x.idle();
    deepStrictEqual(served.fake.posts().map((p) => p.text), ["Sold!"]);
  } finally {
    await engine.stop();
    await served.stop();
    await storage.remove();
  }
});

Deno.test("outbox: help and history answers go out at their own pace, never behind a burst of acks (Pro)", async () => {
  const t = await setup();
  try {
    // Pro: 100 posts / 15 min, an average spacing of 9 s; acks are paced at 1 × it.
    for (let i = 0; i < 30; i++) {
      await t.engine.x.post({ key: `ack${i}`, kind: "ack", priority: "ack", text: `ack ${i}` });
    }
    await t.engine.x.post({ key: "help", kind: "help", priority: "answer", text: "how to bid" });
    const sentAt = new Map<string, number>();
    const start = t.clock.instant().epochMilliseconds;
    for (let s = 0; s < 60; s++) {
      if (s === 2) {
        await t.engine.x.post({ key: "history", kind: "history", priority: "answer", text: "h" });
      }
      await t.engine.x.idle();
      for (const p of t.served.fake.posts()) {
        if (!sentAt.has(p.text)) sentAt.set(p.text, t.clock.instant().epochMilliseconds - start);
      }
      await t.clock.advance(1_000);
    }
    // Before any of the 30 acks queued ahead of it, and the next answer half a spacing later.
    deepStrictEqual(sentAt.get("how to bid"), 0);
    ok(sentAt.get("h")! <= 5_000, `history after ${sentAt.get("h")} ms`);
    // The acks keep their own pace meanwhile: about one per 9 s, never faster.
    const acks = [...sentAt].filter(([text]) => text.startsWith("ack ")).map(([, at]) => at);
    ok(acks.length >= 6 && acks.length <= 8, `${acks.length} acks in a minute`);
  } finally {
    await t.stop();
  }
});

Deno.test("outbox: a fresh row whose priority must wait costs no round; it goes out at its pace", async () => {
  const t = await setup();
  const selects = () =>
    Number(
      /sothebais_db_statements_total\{statement="select:x_outbox"\} (\S+)/.exec(
        t.engine.metrics.render(),
      )?.[1] ?? 0,
    );
  try {
    const ack = (key: string) =>
      t.engine.x.post({ key, kind: "ack", priority: "ack", text: `Ack ${key}` });
    await ack("a1");
    await t.engine.x.idle();
    await ack("a2"); // the round after it finds acks paced: they wait
    await t.engine.x.idle();
    const before = selects();
    for (const key of ["a3", "a4", "a5"]) await ack(key);
    await t.engine.x.idle();
    deepStrictEqual(selects(), before, "no dispatch round for rows that could not go anyway");
    // Another priority is not held by the acks' wait: it goes at once.
    await t.engine.x.post({ key: "w", kind: "results", priority: "winner", text: "Winner" });
    await t.engine.x.idle();
    ok(selects() > before);
    deepStrictEqual(t.served.fake.posts().map((p) => p.text), ["Ack a1", "Winner"]);
    // The waiting acks go out by themselves at their pace, in order.
    for (let i = 0; i < 40 && t.served.fake.posts().length < 6; i++) {
      await t.clock.advance(10_000);
      await t.engine.x.idle();
    }
    deepStrictEqual(t.served.fake.posts().map((p) => p.text), [
      "Ack a1",
      "Winner",
      "Ack a2",
      "Ack a3",
      "Ack a4",
      "Ack a5",
    ]);
  } finally {
    await t.stop();
  }
});
