/**
 * The scene format: a scene is data. Size and fps, a background, four fixed
 * quadrants (bounds as fractions of the frame, padding in pixels at 720p) and an
 * overlay over the whole frame. Items sit at fractions of their quadrant's inner
 * box, ordered by `z`, clipped to the quadrant.
 */
import { z } from "zod";

const fraction = z.number().min(0).max(1);
const colour = z.string().regex(
  /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/,
  "a colour like #0b0d12 or #0b0d12cc",
);

/** `[x, y, width, height]` as fractions of the containing box. */
const rect = z.tuple([fraction, fraction, fraction.positive(), fraction.positive()]).refine(
  ([x, y, w, h]) => x + w <= 1.0001 && y + h <= 1.0001,
  "the rectangle must stay inside its box (x + width ≤ 1, y + height ≤ 1)",
);

export const backgroundSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("color"), color: colour }),
  z.object({
    kind: z.literal("gradient"),
    /** Degrees, CSS-style: 180 runs top to bottom. */
    angle: z.number().default(180),
    stops: z.array(z.tuple([fraction, colour])).min(2),
  }),
  z.object({
    kind: z.literal("image"),
    /** Path inside the assets folder. */
    src: z.string().min(1),
    /** Shown under the image and wherever it does not cover. */
    color: colour.default("#000000"),
    /** Darkens the image so overlays stay readable. */
    dim: fraction.default(0),
  }),
]);

export const itemSchema = z.object({
  /** A widget kind registered with the compositor, e.g. `artwork`, or the built-ins `text`, `image`. */
  widget: z.string().min(1),
  at: rect.default([0, 0, 1, 1]),
  z: z.number().int().default(0),
  /** Handed to the widget as is. */
  props: z.record(z.string(), z.unknown()).default({}),
});

export const quadrantSchema = z.object({
  bounds: rect,
  /** Pixels at 720p; scaled with the frame. */
  padding: z.number().min(0).default(12),
  items: z.array(itemSchema).default([]),
});

export const transitionSchema = z.object({
  kind: z.enum(["cut", "fade", "slide"]),
  ms: z.number().int().min(0).max(5000).default(600),
});

export const sceneSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, "lower-case letters, digits and dashes"),
  width: z.number().int().min(16).max(3840).default(1280),
  height: z.number().int().min(16).max(2160).default(720),
  fps: z.number().int().min(1).max(60).default(30),
  background: backgroundSchema,
  quadrants: z.object({
    topLeft: quadrantSchema,
    topRight: quadrantSchema,
    bottomLeft: quadrantSchema,
    bottomRight: quadrantSchema,
  }).strict(),
  overlay: z.object({ items: z.array(itemSchema).default([]) }).default({ items: [] }),
  /** How this scene comes in when the show switches to it. */
  transition: transitionSchema.default({ kind: "fade", ms: 600 }),
}).strict();

export type Scene = z.output<typeof sceneSchema>;
export type SceneItem = z.output<typeof itemSchema>;
export type Quadrant = z.output<typeof quadrantSchema>;
export type Background = z.output<typeof backgroundSchema>;
export type Transition = z.output<typeof transitionSchema>;
export type QuadrantName = keyof Scene["quadrants"];
export const QUADRANTS: QuadrantName[] = ["topLeft", "topRight", "bottomLeft", "bottomRight"];
