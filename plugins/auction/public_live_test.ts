/**
 * The live updates (`/auction/live`) as the pages' listeners get them: the events of one turn
 * of the event loop in one chunk, in the order they were emitted, the same bytes for every
 * listener; a listener that stops reading is dropped at its byte bound, the others go on.
 */
import { Hono } from "hono";
import { assert, assertEquals } from "../../core/testing.ts";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import { mountPublicPages } from "./public_pages.ts";

function pages() {
  const bus = createBus(
    virtualClock("2026-03-08T14:00:00-04:00"),
    createLog("t", { write: () => {} }),
  );
  const http = new Hono();
  const stop = mountPublicPages(http, {
    bus,
    db: undefined as never, // the live updates read no row
    list: () => [],
    get: () => null,
    receipts: () => Promise.resolve([]),
    hostHandle: "@SothebAIs",
    linkUrl: "/link",
    maxListeners: 10,
    maxListenersPerAddress: 10,
  }, () => Promise.resolve(""));
  const listen = async () => {
    const r = await http.fetch(new Request("http://x/auction/live"));
    assertEquals(r.status, 200);
    return r.body!.getReader();
  };
  return { bus, stop, listen };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const names = (chunk: string) => [...chunk.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
const accepted = (tweetId: string) => ({
  auctionId: "a-1",
  tweetId,
  entryId: tweetId,
  handle: "@alice",
  amountWei: 10n ** 18n,
  at: "2026-03-08T14:00:01-04:00",
  previousLeader: null,
  endsAt: "2026-03-08T15:00:00-04:00",
  proxy: false,
  max: false,
  leads: true,
  causedBy: null,
});
const rejected = (tweetId: string) => ({
  auctionId: "a-1",
  tweetId,
  handle: "@bob",
  reason: "below_increment" as const,
  message: "bid at least 1.1 ETH",
  at: "2026-03-08T14:00:02-04:00",
});

Deno.test("live: a turn's events go out as one chunk, in order, the same bytes to everyone", async () => {
  const { bus, stop, listen } = pages();
  try {
    const readers = await Promise.all([listen(), listen(), listen()]);
    for (const r of readers) assertEquals(names(text((await r.read()).value!)), ["hello"]);
    bus.emit("bid.accepted", accepted("101"));
    bus.emit("bid.rejected", rejected("102"));
    bus.emit("bid.accepted", accepted("103"));
    const chunks = await Promise.all(readers.map(async (r) => (await r.read()).value!));
    assertEquals(names(text(chunks[0])), ["decision", "decision", "decision"]);
    assert(
      /"tweetId":"101"[\s\S]*"tweetId":"102"[\s\S]*"tweetId":"103"/.test(text(chunks[0])),
      text(chunks[0]),
    );
    // One encoding for all: the very same bytes.
    assert(chunks[1] === chunks[0] && chunks[2] === chunks[0]);
    for (const r of readers) await r.cancel();
  } finally {
    stop();
  }
});

Deno.test("live: a listener that stops reading is dropped; one that reads gets every turn", async () => {
  const { bus, stop, listen } = pages();
  try {
    const stalled = await listen();
    const reading = await listen();
    const got: string[] = [];
    const drain = (async () => {
      for (;;) {
        const { value, done } = await reading.read();
        if (done) return;
        got.push(...names(text(value)).filter((n) => n === "decision"));
        if (got.length === 600) return;
      }
    })();
    for (let i = 0; i < 600; i++) {
      bus.emit("bid.accepted", accepted(String(1000 + i)));
      await new Promise((r) => setTimeout(r, 1)); // a turn each: 600 chunks
    }
    await drain;
    assertEquals(got.length, 600);
    // The stalled one was closed past its bound (64 KiB unread): what it holds ends with a
    // `dropped` event, then `done`.
    let held = "";
    const cut = setTimeout(() => stalled.cancel(), 5000); // bounded: a listener never dropped
    for (;;) {
      const { value, done } = await stalled.read();
      if (done) break;
      held += text(value);
    }
    clearTimeout(cut);
    assert(held.length < 70 * 1024, `the stalled listener was cut off (${held.length} bytes held)`);
    assertEquals(names(held).at(-1), "dropped");
    await reading.cancel();
  } finally {
    stop();
  }
});
