import { z } from "zod";
import { assertEquals, assertThrows } from "./testing.ts";
import { createBus, InvalidEventError, scopeBus, UndeclaredEventError } from "./bus.ts";
import { virtualClock } from "./clock.ts";
import { createLog } from "./log.ts";

function setup() {
  const lines: string[] = [];
  const clock = virtualClock("2026-03-08T14:00:00-04:00");
  const bus = createBus(clock, createLog("bus", { write: (l) => lines.push(l) }));
  return { bus, lines, clock };
}

Deno.test("bus: delivers to subscribers of the type and of *, stamped with the clock", () => {
  const { bus } = setup();
  const seen: string[] = [];
  bus.on("a.happened", (e) => seen.push(`a:${e.at}:${JSON.stringify(e.payload)}`));
  bus.on("*", (e) => seen.push(`*:${e.type}`));
  bus.emit("a.happened", { n: 1 });
  bus.emit("b.happened", {});
  assertEquals(seen, ['a:2026-03-08T14:00:00-04:00:{"n":1}', "*:a.happened", "*:b.happened"]);
  assertEquals(bus.counts().get("a.happened"), 1);
});

Deno.test("bus: a throwing or rejecting handler is logged and the others still run", async () => {
  const { bus, lines } = setup();
  const seen: number[] = [];
  bus.on("x", () => {
    throw new Error("boom");
  });
  bus.on("x", () => Promise.reject(new Error("async boom")));
  bus.on("x", () => void seen.push(1));
  bus.emit("x", {});
  bus.emit("x", {});
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(seen, [1, 1]);
  const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "error");
  assertEquals(errors.length, 4);
  assertEquals(errors.map((e) => e.error.message).sort(), [
    "async boom",
    "async boom",
    "boom",
    "boom",
  ]);
});

Deno.test("bus: unsubscribe stops delivery", () => {
  const { bus } = setup();
  let n = 0;
  const off = bus.on("x", () => void n++);
  bus.emit("x", {});
  off();
  bus.emit("x", {});
  assertEquals(n, 1);
});

Deno.test("bus: a declared schema rejects a bad payload, naming the field", () => {
  const { bus } = setup();
  bus.declare("bid.thing", z.object({ amountWei: z.bigint() }));
  bus.emit("bid.thing", { amountWei: 1n });
  assertThrows(
    () => bus.emit("bid.thing", { amountWei: "1" }),
    InvalidEventError,
    "event bid.thing: amountWei:",
  );
  assertEquals(bus.counts().get("bid.thing"), 1);
});

Deno.test("bus: a plugin's view emits and hears only what the plugin declared", () => {
  const { bus } = setup();
  const seen: string[] = [];
  const mine = scopeBus(bus, "p", { emits: ["a.happened"], listens: ["b.happened"] });
  mine.on("b.happened", (e) => void seen.push(e.type));
  mine.emit("a.happened", {});
  bus.emit("b.happened", {});
  assertEquals(seen, ["b.happened"]);
  assertThrows(() => mine.emit("b.happened", {}), UndeclaredEventError, "p emits b.happened");
  assertThrows(() => mine.on("a.happened", () => {}), UndeclaredEventError, "p listens to a");
  assertThrows(() => mine.on("*", () => {}), UndeclaredEventError);
  assertThrows(() => mine.declare("a.happened", z.object({})), UndeclaredEventError);
});
