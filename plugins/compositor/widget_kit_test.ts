/**
 * The widget SDK through the real compositor: an item whose props do not fit
 * its widget's config is named (scene, item, field) and drawn as a red box; a
 * throwing draw is a red box with the rest of the frame drawn; a scene file
 * with a bad item is refused; a widget over its budget for 30 frames in a row
 * is told once, by name; a reload keeps the state the events built, and its
 * subscriptions follow the new code's event types (new ones heard, dropped ones
 * not), through the plugin's bus or the relay, a newly read type's events so
 * far (the history) put in the bus's order.
 */
import { z } from "zod";
import { assert, assertEquals, assertMatch, assertThrows } from "../../core/testing.ts";
import { parseScene } from "../../scenes/load_scene.ts";
import { createAssets } from "./assets.ts";
import { createCompositor } from "./compositor.ts";
import { defineWidget } from "./widget_kit.ts";
import { type BusEvent, createBus, scopeBus, UndeclaredEventError } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import type { SubscribeAll } from "./widget_feeds.ts";
import type {} from "../auction/mod.ts";

const quadrant = (bounds: number[], items: unknown[] = []) => ({ bounds, padding: 0, items });

function sceneOf(left: unknown[], right: unknown[] = []) {
  return parseScene({
    name: "s",
    background: { kind: "color", color: "#000000" },
    quadrants: {
      topLeft: quadrant([0, 0, 0.5, 1], left),
      topRight: quadrant([0.5, 0, 0.5, 1], right),
      bottomLeft: quadrant([0, 0.99, 0.01, 0.01]),
      bottomRight: quadrant([0.99, 0.99, 0.01, 0.01]),
    },
  }, "s.json");
}

function studio(
  scene = sceneOf([]),
  o: { width?: number; height?: number; relay?: SubscribeAll; history?: boolean } = {},
) {
  const told: string[] = [];
  const slow: string[] = [];
  const c = createCompositor({
    scenes: new Map([["s", scene]]),
    width: o.width ?? 128,
    height: o.height ?? 72,
    fps: 30,
    assets: createAssets(Deno.makeTempDirSync()),
    now: () => Temporal.Instant.from("2026-11-25T20:00:00Z"),
    initialScene: "s",
    onWidgetError: (kind, error) => told.push(`${kind}: ${(error as Error).message}`),
    onOverBudget: (kind) => slow.push(kind),
    relay: o.relay,
    reloadHistory: o.history,
  });
  const env = { settings: {}, assets: c.widgets.assets, use: (() => undefined) as never };
  return { c, told, slow, env };
}

const pixel = (
  rgba: Uint8Array,
  width: number,
  x: number,
  y: number,
) => [...rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 3)];
const isRed = ([r, g, b]: number[]) => r > 100 && g < 60 && b < 60;

const fill = (kind: string, colour: string) =>
  defineWidget({
    kind,
    config: z.object({ level: z.number().min(0).max(1).default(1) }),
    state: { init: () => null, on: {} },
    draw(g, box, _s, { config }) {
      g.globalAlpha = config.level;
      g.fillStyle = colour;
      g.fillRect(box.x, box.y, box.width, box.height);
    },
  });

Deno.test("an item whose props do not fit is named by scene, item and field, and shown red", () => {
  const scene = sceneOf([{ widget: "blue", props: { level: "high" } }], [{ widget: "blue" }]);
  const { c, told, env } = studio(scene);
  c.widgets.define(fill("blue", "#0000ff"), env);
  const rgba = c.render(0).rgba;
  assert(isRed(pixel(rgba, 128, 4, 60)), `the bad item's slot is red: ${pixel(rgba, 128, 4, 60)}`);
  assertEquals(pixel(rgba, 128, 96, 36), [0, 0, 255], "the good item in the other quadrant");
  assertEquals(told.length, 1);
  assertMatch(told[0], /^blue: scene s: quadrants\.topLeft\.items\[0\] \(blue\): props\.level: /);
  c.render(1);
  assertEquals(told.length, 1, "told once, not every frame");
  assertEquals(c.failingWidgets(), ["blue"]);
  // A scene file with the same mistake is refused, naming it; the scene on show stays.
  const bad = { ...sceneOf([{ widget: "blue", props: { level: 7 } }]), name: "s" };
  assertThrows(() => c.replaceScene(bad), Error, "quadrants.topLeft.items[0] (blue): props.level");
});

Deno.test("a throwing widget shows a red box with its error in its slot; the rest renders", () => {
  const scene = sceneOf([{ widget: "boom" }], [{ widget: "green" }]);
  const { c, told, env } = studio(scene, { width: 640, height: 360 });
  c.widgets.define(
    defineWidget({
      kind: "boom",
      config: z.object({}),
      state: { init: () => null, on: {} },
      draw(g) {
        g.translate(1000, 0); // what a broken widget leaves behind must not reach the box
        throw new Error("no such lot");
      },
    }),
    env,
  );
  c.widgets.define(fill("green", "#00ff00"), env);
  const rgba = c.render(0).rgba;
  assertEquals(pixel(rgba, 640, 480, 180), [0, 255, 0]);
  assert(isRed(pixel(rgba, 640, 300, 340)), "the slot is red");
  // The message is written in it: some pixels of the slot are white text.
  let white = 0;
  for (let y = 0; y < 60; y++) {
    for (let x = 0; x < 320; x++) if (pixel(rgba, 640, x, y).every((v) => v > 200)) white++;
  }
  assert(white > 50, `the error is written in the slot (${white} white pixels)`);
  assertEquals(told, ["boom: no such lot"]);
});

Deno.test("a widget over its budget 30 frames in a row is told once, by name", () => {
  const scene = sceneOf([{ widget: "slow" }], [{ widget: "fast" }]);
  const { c, slow, env } = studio(scene, { width: 1280, height: 720 });
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* the slow widget's work */ }
  };
  c.widgets.define(
    defineWidget({
      kind: "slow",
      config: z.object({}),
      state: { init: () => null, on: {} },
      draw: () => spin(3),
    }),
    env,
  );
  c.widgets.define(fill("fast", "#00ff00"), env);
  for (let i = 0; i < 29; i++) c.render(i);
  assertEquals(slow, [], "29 frames over budget are not yet a report");
  c.render(29);
  assertEquals(slow, ["slow"]);
  for (let i = 30; i < 70; i++) c.render(i);
  assertEquals(slow, ["slow"], "told once");
  const stats = c.widgetStats();
  assertEquals(stats.slow.overBudget, true);
  assertEquals(stats.fast.overBudget, false);
  assert(stats.slow.p99Ms >= 3 && stats.slow.budgetMs === 2, JSON.stringify(stats.slow));
  assert(stats.fast.meanMs < 2, JSON.stringify(stats.fast));
});

Deno.test("a reloaded widget draws its new code from the state its events built", () => {
  const scene = sceneOf([{ widget: "count" }]);
  const { c, env } = studio(scene);
  const version = (colour: (n: number) => string) =>
    defineWidget({
      kind: "count",
      config: z.object({}),
      state: {
        init: () => ({ bids: 0 }),
        on: { "bid.accepted": (s) => void s.bids++ },
      },
      draw(g, box, s) {
        g.fillStyle = colour(s.bids);
        g.fillRect(box.x, box.y, box.width, box.height);
      },
    });
  const mounted = c.widgets.define(version((n) => (n === 2 ? "#0000ff" : "#ffffff")), env);
  const bid = { type: "bid.accepted", at: "2026-11-25T20:00:00Z", payload: {} } as BusEvent;
  mounted.receive(bid);
  mounted.receive(bid);
  assertEquals(pixel(c.render(0).rgba, 128, 10, 10), [0, 0, 255]);
  const warnings = c.widgets.reload(version((n) => (n === 2 ? "#00ff00" : "#ffffff")));
  assertEquals(warnings, []);
  assertEquals(pixel(c.render(1).rgba, 128, 10, 10), [0, 255, 0], "new code, same two bids");
  mounted.receive(bid);
  assertEquals(pixel(c.render(2).rgba, 128, 10, 10), [255, 255, 255], "events go on reaching it");
  assertThrows(() => c.widgets.reload(fill("nobody", "#000")), Error, "no widget of kind nobody");
});

Deno.test("a reload subscribes the widget to the events its new code reads and drops the others", () => {
  const bus = createBus(
    virtualClock("2026-11-25T15:00:00-05:00"),
    createLog("t", { level: "error" }),
  );
  let relaying = 0;
  const relay: SubscribeAll = (handler) => {
    relaying++;
    const off = bus.on("*", handler);
    return () => void (relaying--, off());
  };
  const { c, env } = studio(sceneOf([{ widget: "count" }]), { relay });
  // What the widget's plugin declared when it was loaded: bid.accepted only.
  const pluginBus = scopeBus(bus, "widget-count", { listens: ["bid.accepted"] });
  const version = (on: Record<string, (s: { n: number }) => void>) =>
    defineWidget({
      kind: "count",
      config: z.object({}),
      state: { init: () => ({ n: 0 }), on: on as never },
      draw(g, box, s: { n: number }) {
        g.fillStyle = `rgb(${s.n * 40}, 0, 0)`;
        g.fillRect(box.x, box.y, box.width, box.height);
      },
    });
  const count = () => Math.round(pixel(c.render(0).rgba, 128, 10, 10)[0] / 40);
  const accepted = { auctionId: "a", tweetId: "t", handle: "@ada", amountWei: 1n };
  const rejected = {
    auctionId: "a",
    tweetId: "r",
    handle: "@bo",
    reason: "closed",
    message: "closed",
    at: "2026-11-25T15:00:00-05:00",
  };
  const bump = (s: { n: number }) => void s.n++;
  c.widgets.define(version({ "bid.accepted": bump }), env, pluginBus);
  bus.emit("bid.accepted", accepted as never);
  bus.emit("bid.rejected", rejected as never);
  assertEquals(count(), 1, "its plugin's bus brings bid.accepted");
  assertEquals(relaying, 0);

  // The edited code reads bid.rejected (not declared by the loaded plugin) instead.
  assertEquals(c.widgets.reload(version({ "bid.rejected": bump })), []);
  assertEquals(count(), 0, "rebuilt from its journal: no rejection was kept for it");
  assertEquals(relaying, 1, "the relay carries what the plugin does not declare");
  bus.emit("bid.rejected", rejected as never);
  assertEquals(count(), 1, "the new event type reaches it");
  bus.emit("bid.accepted", accepted as never);
  assertEquals(count(), 1, "the dropped type no longer does");

  // Back to the declared type: through the plugin's bus again, the relay released.
  c.widgets.reload(version({ "bid.accepted": bump }));
  assertEquals(relaying, 0);
  assertEquals(count(), 1, "the journal's first bid");
  bus.emit("bid.rejected", rejected as never);
  bus.emit("bid.accepted", accepted as never);
  assertEquals(count(), 2, "and the new one, the rejection unheard");

  // At first mount an undeclared type is the plugin's mistake, not something to relay.
  assertThrows(
    () => c.widgets.define(version({ "bid.rejected": bump }), env, pluginBus),
    UndeclaredEventError,
  );
  // Without a relay (a bare compositor), a new type is reported, not silently lost.
  const bare = studio(sceneOf([{ widget: "count" }]));
  bare.c.widgets.define(version({ "bid.accepted": bump }), bare.env, pluginBus);
  const [warning] = bare.c.widgets.reload(version({ "bid.rejected": bump }));
  assertMatch(warning, /count now reads bid\.rejected.*restart/);
});

Deno.test("reloaded code reading a new type starts from its events so far, in the bus's order", () => {
  const bus = createBus(
    virtualClock("2026-11-25T15:00:00-05:00"),
    createLog("t", { level: "error" }),
  );
  const { c, env } = studio(sceneOf([{ widget: "order" }]), {
    relay: (handler) => bus.on("*", handler),
    history: true,
  });
  const pluginBus = scopeBus(bus, "widget-order", { listens: ["bid.accepted"] });
  const seen: string[][] = [];
  const note = (tag: string) => (s: string[]) => void s.push(tag);
  const version = (on: Record<string, (s: string[]) => void>) =>
    defineWidget({
      kind: "order",
      config: z.object({}),
      state: { init: () => [] as string[], on: on as never },
      draw: (_g, _box, s: string[]) => void seen.push([...s]),
    });
  c.widgets.define(version({ "bid.accepted": note("a") }), env, pluginBus);
  const accepted = { auctionId: "a", tweetId: "t", handle: "@ada", amountWei: 1n };
  bus.emit("bid.accepted", accepted as never);
  bus.emit("bid.rejected", { tweetId: "r" } as never);
  bus.emit("bid.accepted", accepted as never);
  c.widgets.reload(version({ "bid.accepted": note("a"), "bid.rejected": note("r") }));
  c.render(0);
  assertEquals(seen.at(-1), ["a", "r", "a"], "the rejection from before the save, in its place");
  bus.emit("bid.rejected", { tweetId: "r2" } as never);
  c.render(1);
  assertEquals(seen.at(-1), ["a", "r", "a", "r"]);
});
