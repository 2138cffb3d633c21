/**
 * One source of truth on screen: the pre-auction card's duration and the
 * ticker's anti-sniping rule come from the auction's configuration. Two
 * configurations (a 10-minute lot extended by bids in its last 60 s; a
 * one-hour lot with a 5-minute window) render frames that show each one's
 * facts: the card is pixel-identical to a reference scene whose item is the
 * expected literal text, and the ticker reads the configured window.
 */
import assert from "node:assert/strict";
import { virtualClock } from "../../core/clock.ts";
import { testEngine } from "../../tests/engine.ts";
import type { Auctions } from "../auction/mod.ts";
import { type Compositor, widgetState } from "../compositor/mod.ts";
import { diffRatio } from "../compositor/tests/pixels.ts";
import { ticker, tickerMessages } from "../widget-ticker/ticker.ts";

const SCENES = new URL("../../scenes/", import.meta.url);

async function frameOf(minutes: number, windowSeconds: number, expected: string) {
  const scenes = await Deno.makeTempDir();
  for await (const e of Deno.readDir(SCENES)) {
    if (e.name.endsWith(".json")) {
      await Deno.copyFile(new URL(e.name, SCENES), `${scenes}/${e.name}`);
    }
  }
  // The reference: the same scene with the card's line as fixed text saying what we expect.
  const pre = JSON.parse(await Deno.readTextFile(new URL("pre-auction.json", SCENES)));
  let found = 0;
  const swap = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(swap);
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.widget === "lot-facts") {
        found++;
        return { ...o, widget: "text", props: { text: expected, size: 26, weight: 700 } };
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, swap(x)]));
    }
    return v;
  };
  const reference = { ...(swap(pre) as object), name: "reference" };
  assert.equal(found, 1, "the card's lot-facts item was found");
  await Deno.writeTextFile(`${scenes}/reference.json`, JSON.stringify(reference));
  const clock = virtualClock("2026-03-09T13:30:00-04:00");
  const engine = await testEngine({
    clock,
    plugins: {
      "funds-book": {},
      auction: {
        watermark: "clock",
        auctions: [{
          id: "lot-1",
          item: "Genesis #1",
          startsAt: "2026-03-09T14:00:00-04:00",
          endsAt: Temporal.Instant.from("2026-03-09T14:00:00-04:00").add({ minutes }).toString(),
          reserve: "1 ETH",
          extensionWindowSeconds: windowSeconds,
          extensionSeconds: windowSeconds,
        }],
      },
      compositor: { run: false, scenesDir: scenes, assetsDir: new URL("assets/", SCENES).pathname },
      "widget-status": {},
      "widget-ticker": {},
    },
  });
  try {
    const c = engine.service<Compositor>("compositor");
    c.show("pre-auction", { kind: "cut", ms: 0 });
    const real = c.render(1).rgba.slice();
    c.show("reference", { kind: "cut", ms: 0 });
    const reference = c.render(1).rgba.slice();
    const snapshot = engine.service<Auctions>("auctions").get("lot-1")!;
    const state = widgetState(ticker, [{ type: "auction.updated", payload: snapshot }]);
    const lines = tickerMessages(state, ticker.config.parse({}));
    return { real, reference, width: c.width, height: c.height, ticker: lines };
  } finally {
    await engine.stop();
    await Deno.remove(scenes, { recursive: true });
  }
}

Deno.test("the pre-auction card and the ticker show the configured duration and extension window", async () => {
  const short = await frameOf(10, 60, "One lot. 10 minutes. Bid by tweeting.");
  assert.equal(diffRatio(short.real, short.reference, short.width, short.height), 0);
  assert.ok(
    short.ticker.includes("A bid in the last 1 minute extends the auction to 1 minute after it"),
    short.ticker.join(" | "),
  );
  const long = await frameOf(60, 300, "One lot. 1 hour. Bid by tweeting.");
  assert.equal(diffRatio(long.real, long.reference, long.width, long.height), 0);
  assert.ok(long.ticker.some((m) => m.includes("last 5 minutes")), long.ticker.join(" | "));
  // And the frames differ from each other where the facts differ.
  assert.ok(diffRatio(short.real, long.real, short.width, short.height) > 0);
});
