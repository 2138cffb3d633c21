/**
 * The `widgets` service contract: a widget plugin registers a draw function for
 * its kind; the compositor calls it for every item of that kind in the scene on
 * show, once per frame. A draw function reads only the widget's own state (kept
 * from bus events) and the assets cache; it never waits and never touches the db.
 * One that throws loses its item for that frame (logged once per message, and
 * listed in the compositor's health); the rest of the frame is drawn.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import type { Assets } from "./assets.ts";

/** Where an item draws, in frame pixels. `scale` is frame height / 720. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  scale: number;
}

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

export interface Widgets {
  /** Registers `kind`; returns the unregister. A later register of the same kind replaces it. */
  register(kind: string, draw: DrawWidget): () => void;
  /** Kinds registered so far. */
  kinds(): string[];
  /** The shared image cache over the assets folder. */
  assets: Assets;
}
