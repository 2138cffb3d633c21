/**
 * Testing a widget without an engine: `widgetState` runs its state through bus
 * events; `renderWidget` draws it alone in a frame through the real compositor
 * (config checked, errors as red boxes); `matchGolden` compares the frame with
 * a committed PNG (`UPDATE_GOLDENS=1` writes it). A pixel differs when a channel
 * is off by more than 16; up to 0.5 % may (font hinting across Skia builds).
 */
import { createCanvas } from "@napi-rs/canvas";
import type { BusEvent } from "../../core/bus.ts";
import { parseScene } from "../../scenes/load_scene.ts";
import { createAssets } from "./assets.ts";
import { createCompositor } from "./compositor.ts";
import { registerFonts } from "./fonts.ts";
import { decodePng, diffRatio } from "./tests/pixels.ts";
import type { AnyWidget, WidgetEnv } from "./widget_kit.ts";

export interface TestEvent {
  type: string;
  payload: unknown;
  /** ISO instant; default the render's `at`. */
  at?: string;
}

const AT = "2026-11-25T20:30:00-05:00";
const ASSETS = new URL("../../scenes/assets/", import.meta.url).pathname;

const envOf = (settings: unknown, assets = createAssets(ASSETS)): WidgetEnv => ({
  settings,
  assets,
  use: (() => undefined) as WidgetEnv["use"],
});

const asEvent = (e: TestEvent, at: string): BusEvent =>
  ({ type: e.type, at: e.at ?? at, payload: e.payload }) as BusEvent;

/** The widget's state after `events`, from its `init` (settings `{}`, the scenes' assets, no services). */
export function widgetState<S>(
  widget: { state: { init(env: WidgetEnv): S; on: unknown } },
  events: TestEvent[],
  env: Partial<WidgetEnv> = {},
): S {
  return applyEvents(widget, widget.state.init({ ...envOf({}), ...env }), events);
}

/** `state` after `events` through the widget's handlers (as the bus would feed them). */
export function applyEvents<S>(
  widget: { state: { on: unknown } },
  state: S,
  events: TestEvent[],
): S {
  const on = widget.state.on as Record<string, (s: S, e: BusEvent) => S | void>;
  for (const e of events) state = on[e.type]?.(state, asEvent(e, AT)) ?? state;
  return state;
}

export interface RenderOptions {
  /** The item's box in pixels of a 720p frame (scale 1). */
  width?: number;
  height?: number;
  /** The scene item's props. */
  props?: Record<string, unknown>;
  events?: TestEvent[];
  /** The show's time of the frame. */
  at?: string;
  settings?: unknown;
}

/**
 * Draws `widget` alone, one item of `width`×`height` at the top left of a dark 720p frame
 * (scale 1), and returns that box's pixels and PNG, and the kinds that failed.
 */
export async function renderWidget(widget: AnyWidget, o: RenderOptions = {}) {
  registerFonts();
  const width = Math.min(1280, o.width ?? 480);
  const height = Math.min(720, o.height ?? 270);
  const at = o.at ?? AT;
  const item = { widget: widget.kind, props: o.props, at: [0, 0, width / 1280, height / 720] };
  const scene = parseScene({
    name: "widget-test",
    background: { kind: "color", color: "#0b0c10" },
    quadrants: {
      topLeft: { bounds: [0, 0, 1, 1], padding: 0, items: [item] },
      topRight: { bounds: [0, 0, 1, 1], items: [] },
      bottomLeft: { bounds: [0, 0, 1, 1], items: [] },
      bottomRight: { bounds: [0, 0, 1, 1], items: [] },
    },
  }, "widget-test");
  const assets = createAssets(ASSETS);
  const compositor = createCompositor({
    scenes: new Map([[scene.name, scene]]),
    width: 1280,
    height: 720,
    fps: 30,
    assets,
    now: () => Temporal.Instant.from(at),
    initialScene: scene.name,
  });
  const mounted = compositor.widgets.define(widget, envOf(o.settings ?? {}, assets));
  for (const e of o.events ?? []) mounted.receive(asEvent(e, at));
  // Images load on first ask: draw once, wait for them, draw the frame kept.
  compositor.render(0);
  await assets.refresh();
  compositor.render(1);
  const box = createCanvas(width, height);
  box.getContext("2d").drawImage(compositor.canvas, 0, 0, width, height, 0, 0, width, height);
  const data = box.data();
  const png = new Uint8Array(await box.encode("png"));
  const failing = compositor.failingWidgets();
  assets.close();
  return {
    width,
    height,
    rgba: new Uint8Array(data.buffer, data.byteOffset, data.length),
    png,
    failing,
  };
}

/** Fails unless `frame` matches `goldens/<name>.png` (written when UPDATE_GOLDENS=1). */
export async function matchGolden(
  frame: { width: number; height: number; rgba: Uint8Array; png: Uint8Array },
  goldens: URL,
  name: string,
): Promise<void> {
  const path = new URL(`${name}.png`, goldens);
  if (Deno.env.get("UPDATE_GOLDENS") === "1") {
    await Deno.mkdir(goldens, { recursive: true });
    await Deno.writeFile(path, frame.png);
    return;
  }
  const golden = await decodePng(await Deno.readFile(path));
  if (golden.width !== frame.width || golden.height !== frame.height) {
    throw new Error(
      `${name}: golden is ${golden.width}x${golden.height}, frame ${frame.width}x${frame.height}`,
    );
  }
  const ratio = diffRatio(frame.rgba, golden.rgba, frame.width, frame.height);
  if (ratio > 0.005) {
    const actual = `${Deno.makeTempDirSync()}/${name}.png`;
    await Deno.writeFile(actual, frame.png);
    throw new Error(
      `${name}: ${(ratio * 100).toFixed(2)}% of pixels differ; actual frame: ${actual}`,
    );
  }
}
