/**
 * The host widget with a character: the idle image when quiet, the talking
 * image while the voice is heard, the excited image for an excited line; a
 * caption withdrawn by the host (`host.interrupted`) leaves the screen at once.
 */
import { createCanvas } from "@napi-rs/canvas";
import { assert, assertEquals } from "../../core/testing.ts";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import type { Assets } from "../compositor/mod.ts";
import { createHostWidget } from "./host.ts";

Deno.test("host widget: the avatar follows the voice and the mood; a withdrawn caption goes at once", () => {
  const clock = virtualClock("2026-03-09T14:00:00-04:00");
  const bus = createBus(clock, createLog("t", { level: "error" }));
  const asked: string[] = [];
  const assets = { get: (p: string) => void asked.push(p) } as unknown as Assets;
  const look = {
    name: "Pip",
    avatar: {
      idle: "host/pip-idle.png",
      talking: "host/pip-talking.png",
      excited: "host/pip-excited.png",
    },
  };
  const widget = createHostWidget(bus, assets, look);
  const canvas = createCanvas(640, 120);
  const g = canvas.getContext("2d");
  const draw = () => {
    asked.length = 0;
    g.clearRect(0, 0, 640, 120);
    widget.draw({
      g,
      box: { x: 0, y: 0, width: 640, height: 120, scale: 1 },
      props: {},
      now: clock.instant(),
      frame: 0,
      scene: "live",
    });
    return asked.at(-1);
  };
  const pixels = () => g.getImageData(300, 0, 340, 120).data.reduce((n, v) => n + v, 0);
  assertEquals(draw(), look.avatar.idle);
  const quiet = pixels();
  bus.emit("host.said", { text: "Chat, are you seeing this?", utteranceId: "u1", mood: "talking" });
  bus.emit("host.speaking", { utteranceId: "u1", level: 0.6 });
  assertEquals(draw(), look.avatar.talking);
  assert(pixels() !== quiet, "the caption is drawn");
  bus.emit("host.said", { text: "@alice leads at 2 ETH!", utteranceId: "u2", mood: "excited" });
  assertEquals(draw(), look.avatar.excited);
  bus.emit("host.interrupted", { utteranceId: "u2", reason: "the leader changed" });
  bus.emit("host.speaking", { utteranceId: "u2", level: 0 });
  assertEquals(draw(), look.avatar.idle);
  assertEquals(pixels(), quiet, "the caption left the screen");
  widget.stop();
});
