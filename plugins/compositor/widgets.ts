/**
 * The `widgets` service contract: a widget plugin defines its widgets
 * (`define`, made with `defineWidget`; `mountWidgets` and `widgetPlugin` call it)
 * or registers a bare draw function (`register`); the compositor calls the draw
 * for every item of that kind in the scene on show, once per frame. A draw reads
 * only the widget's own state (kept from bus events) and the assets cache; it
 * never waits and never touches the db. One that throws, or whose item's config
 * does not check, shows a red box with the error in its slot (told once per
 * message, listed in the compositor's health); the rest of the frame is drawn.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import type { Bus, BusEvent } from "../../core/bus.ts";
import type { Assets } from "./assets.ts";
import type { AnyWidget, WidgetEnv } from "./widget_kit.ts";

/** Where an item draws, in frame pixels. `scale` is frame height / 720. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  scale: number;
}

/** What a bare draw function (`register`) gets. */
export interface DrawContext {
  g: SKRSContext2D;
  box: Box;
  /** The item's `props` from the scene file. */
  props: Record<string, unknown>;
  /** The show's clock time for this frame. */
  now: Temporal.Instant;
  /** The frame loop's slot index. */
  frame: number;
  /** Name of the scene being drawn (a transition draws two). */
  scene: string;
}

export type DrawWidget = (ctx: DrawContext) => void;

/** A defined widget as its plugin holds it: fed events, removed at teardown. */
export interface MountedWidget {
  /** Applies one bus event to the widget's state (a throwing handler keeps the old state). */
  receive(event: BusEvent): void;
  remove(): void;
}

/** Where a widget's events come from: its plugin's bus (scoped to what the plugin declares). */
export type WidgetFeed = Pick<Bus, "on">;

export interface Widgets {
  /**
   * Defines a widget made with `defineWidget`; a later one of the same kind replaces it. Given
   * its plugin's bus, the widget's state is subscribed to the event types its `on` reads (each
   * must be in the plugin's `listens`); without one, events reach it by `receive`.
   */
  define(widget: AnyWidget, env: WidgetEnv, feed?: WidgetFeed): MountedWidget;
  /** Registers a bare draw function for `kind` (props unchecked); returns the unregister. */
  register(kind: string, draw: DrawWidget): () => void;
  /**
   * Swaps a defined widget's code for a new version of it (live reload): its state is rebuilt
   * from the events the old one received, and its subscriptions follow the new code's `on` —
   * types it no longer reads are unsubscribed, new ones subscribed through its plugin's bus, or,
   * when the loaded plugin does not declare them, through the compositor's relay until a restart
   * loads the new declaration. Returns warnings (types nothing could subscribe it to); throws
   * when no widget of its kind is defined, or when the new code's `init` throws (the old stays).
   */
  reload(widget: AnyWidget): string[];
  /** Kinds registered so far. */
  kinds(): string[];
  /** The modules the defined widgets came from, by kind (what live reload watches). */
  sources(): Record<string, string>;
  /** The shared image cache over the assets folder. */
  assets: Assets;
}
