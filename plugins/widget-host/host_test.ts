/**
 * The host widget with a character: the idle image when quiet, the talking
 * image while the voice is heard, the excited image for an excited line; a
 * caption withdrawn by the host (`host.interrupted`) leaves the screen at once.
 */
import { createCanvas } from "@napi-rs/canvas";
import { assert, assertEquals } from "../../core/testing.ts";
import { applyEvents, type Assets, type WidgetEnv, widgetState } from "../compositor/mod.ts";
import { hostWidget } from "./host.ts";

Deno.test("host widget: the avatar follows the voice and the mood; a withdrawn caption goes at once", () => {
  const at = "2026-03-09T14:00:00-04:00";
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
  const use =
    ((name: string) =>
      name === "host" ? { character: () => look } : undefined) as unknown as WidgetEnv["use"];
  let state = widgetState(hostWidget, [], { assets, use });
  const canvas = createCanvas(640, 120);
  const g = canvas.getContext("2d");
  const now = Temporal.Instant.from(at);
  const draw = () => {
    asked.length = 0;
    g.clearRect(0, 0, 640, 120);
    hostWidget.draw(g, { x: 0, y: 0, width: 640, height: 120, scale: 1 }, state, {
      now,
      ms: now.epochMilliseconds,
      index: 0,
      fps: 30,
      config: hostWidget.config.parse({}),
      scene: "live",
      assets,
    });
    return asked.at(-1);
  };
  const feed = (type: string, payload: unknown) => {
    state = applyEvents(hostWidget, state, [{ type, payload, at }]);
  };
  const pixels = () => g.getImageData(300, 0, 340, 120).data.reduce((n, v) => n + v, 0);
  assertEquals(draw(), look.avatar.idle);
  const quiet = pixels();
  feed("host.said", { text: "Chat, are you seeing this?", utteranceId: "u1", mood: "talking" });
  feed("host.speaking", { utteranceId: "u1", level: 0.6 });
  assertEquals(draw(), look.avatar.talking);
  assert(pixels() !== quiet, "the caption is drawn");
  feed("host.said", { text: "@alice leads at 2 ETH!", utteranceId: "u2", mood: "excited" });
  assertEquals(draw(), look.avatar.excited);
  feed("host.interrupted", { utteranceId: "u2", reason: "the leader changed" });
  feed("host.speaking", { utteranceId: "u2", level: 0 });
  assertEquals(draw(), look.avatar.idle);
  assertEquals(pixels(), quiet, "the caption left the screen");
});
