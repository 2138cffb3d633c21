/**
 * The widget SDK: `defineWidget({ kind, config, state, draw })` describes a
 * widget as data (its scene-item config schema, its state built from typed bus
 * events, its draw function); `widgetPlugin(...)` turns widgets into a plugin
 * (listens = the events their state reads); `mountWidgets` does the wiring for
 * a plugin that does more than draw. Invariants: a widget's state changes only
 * in its `on` handlers (bus events), never on the frame path; `draw` reads
 * state and the frame clock, never waits, never does I/O.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import type { BusEvent, EventType } from "../../core/bus.ts";
import { definePlugin, type Plugin, type PluginContext } from "../../core/plugin.ts";
import type { Assets } from "./assets.ts";
import type { Box, Widgets } from "./widgets.ts";

/** What `draw` gets besides the state: the frame clock and the item's config. */
export interface WidgetFrame<C = unknown> {
  /** The show's clock for this frame (virtual in previews and tests). */
  now: Temporal.Instant;
  /** `now` in epoch milliseconds: animate from this, so replays draw the same. */
  ms: number;
  /** The frame loop's slot index. */
  index: number;
  fps: number;
  /** The scene item's `props`, as the widget's `config` schema made them. */
  config: C;
  /** The scene being drawn (a transition draws two). */
  scene: string;
  /** The shared image cache over the assets folder (`assets.get(path)?.image`). */
  assets: Assets;
}

/** What a widget's state starts from: its plugin's settings (deno.json), the assets, services. */
export interface WidgetEnv<P = unknown> {
  settings: P;
  assets: Assets;
  use: PluginContext["use"];
}

/** Event handlers of a widget's state: mutate `state` or return its replacement. */
export type StateHandlers<S> = {
  [T in EventType]?: (state: S, event: BusEvent<T>) => S | void;
};

export interface WidgetSpec<C extends z.ZodType, S, P extends z.ZodObject> {
  /** The scene items' `widget` name: lower-case letters, digits and dashes. */
  kind: string;
  /** The schema of a scene item's `props`: each item is checked, errors name scene, item, field. */
  config: C;
  /** The widget plugin's own config (its deno.json entry's `config`); default none. */
  settings?: P;
  /** Services it uses (`name?` for optional ones), as a plugin's `needs`. */
  needs?: string[];
  state: {
    init(env: WidgetEnv<z.output<P>>): S;
    on: StateHandlers<S>;
  };
  /** One item, one frame: paint inside `box` (clipped to its quadrant). Throwing shows a red box. */
  draw(g: SKRSContext2D, box: Box, state: S, frame: WidgetFrame<z.output<C>>): void;
}

const WIDGET = Symbol.for("sothebais.widget");

/** A defined widget (what `defineWidget` returns). */
export interface Widget<C = unknown, S = unknown, P = unknown> {
  readonly [WIDGET]: true;
  kind: string;
  config: z.ZodType<C>;
  settings: z.ZodObject;
  needs: string[];
  /** Event types its state reads. */
  listens: string[];
  state: { init(env: WidgetEnv<P>): S; on: StateHandlers<S> };
  draw(g: SKRSContext2D, box: Box, state: S, frame: WidgetFrame<C>): void;
  /** The module that defined it (for live reload), when the stack tells. */
  source?: string;
}

/** Any widget, whatever its config and state (what plugins hand the registry). */
// deno-lint-ignore no-explicit-any
export type AnyWidget = Widget<any, any, any>;

export const KIND = /^[a-z][a-z0-9-]{0,39}$/;

/** Describes a widget; a plugin registers it through `widgetPlugin` or `mountWidgets`. */
export function defineWidget<
  C extends z.ZodType,
  S,
  P extends z.ZodObject = z.ZodObject<Record<never, never>>,
>(
  spec: WidgetSpec<C, S, P>,
): Widget<z.output<C>, S, z.output<P>> {
  if (!KIND.test(spec.kind)) {
    throw new Error(`widget kind "${spec.kind}": lower-case letters, digits and dashes`);
  }
  return {
    [WIDGET]: true,
    kind: spec.kind,
    config: spec.config as z.ZodType<z.output<C>>,
    settings: spec.settings ?? z.object({}),
    needs: spec.needs ?? [],
    listens: Object.keys(spec.state.on).sort(),
    state: spec.state as Widget<z.output<C>, S, z.output<P>>["state"],
    draw: spec.draw,
    source: callerFile(),
  };
}

export function isWidget(value: unknown): value is AnyWidget {
  return typeof value === "object" && value !== null && WIDGET in value;
}

/** The file that called defineWidget: the second frame of a fresh stack. */
function callerFile(): string | undefined {
  const lines = new Error().stack?.split("\n").slice(1) ?? [];
  const files = lines.map((l) =>
    l.match(/\((file:\/\/[^)]+?):\d+:\d+\)|at (file:\/\/\S+?):\d+:\d+/)
  )
    .map((m) => m?.[1] ?? m?.[2]).filter((f): f is string => !!f);
  return files.find((f) => !f.endsWith("/widget_kit.ts"));
}

/** The events a set of widgets listens to, for a plugin's `listens`. */
export function widgetListens(...widgets: AnyWidget[]): string[] {
  return [...new Set(widgets.flatMap((w) => w.listens))].sort();
}

/**
 * Registers widgets with the compositor and feeds their state from the plugin's bus;
 * returns the teardown. For plugins that do more than draw (routes, services).
 */
export function mountWidgets(
  ctx: Pick<PluginContext, "bus" | "use">,
  settings: unknown,
  ...widgets: AnyWidget[]
): () => void {
  const service = ctx.use("widgets") as Widgets;
  const env = { settings, assets: service.assets, use: ctx.use };
  // Each widget subscribed through the plugin's bus, kept to what its code reads across reloads.
  const mounted = widgets.map((w) => service.define(w, env, ctx.bus));
  return () => mounted.forEach((m) => m.remove());
}

/** A plugin that only draws: named `widget-<first kind>`, its config the widgets' settings. */
export function widgetPlugin(first: AnyWidget, ...more: AnyWidget[]): Plugin {
  const widgets = [first, ...more];
  const settings = z.object(Object.assign({}, ...widgets.map((w) => w.settings.shape)));
  const needs = [...new Set(["widgets", ...widgets.flatMap((w) => w.needs)])];
  return definePlugin({
    name: `widget-${first.kind}`,
    config: settings,
    listens: widgetListens(...widgets),
    needs,
    setup: (ctx) => mountWidgets(ctx, ctx.config, ...widgets),
  });
}
