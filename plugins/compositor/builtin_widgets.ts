/**
 * Widgets every scene can use without a plugin, made with the SDK like any
 * other: `panel` (a card), `text` (a line that fits its box) and `image` (an
 * asset, contained or covering). Their props are checked like any widget's.
 */
import { z } from "zod";
import { card, fitText } from "./draw.ts";
import { theme } from "./theme.ts";
import { defineWidget } from "./widget_kit.ts";

/** A colour as scenes write them: `#rgb`, `#rrggbb` or `#rrggbbaa`. */
export const colour = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/);
const none = { init: () => null, on: {} };

const panel = defineWidget({
  kind: "panel",
  config: z.object({ fill: colour.default(theme.card) }),
  state: none,
  draw: (g, box, _state, { config }) => card(g, box, box.scale, config.fill),
});

const text = defineWidget({
  kind: "text",
  config: z.object({
    text: z.string().max(500).default(""),
    size: z.number().min(1).max(400).default(24),
    weight: z.number().int().min(100).max(900).default(600),
    color: colour.default(theme.ink),
    align: z.enum(["left", "center", "right"]).default("left"),
    letterSpacing: z.number().min(0).max(50).default(0),
  }),
  state: none,
  draw(g, box, _state, { config: c }) {
    g.fillStyle = c.color;
    g.textAlign = c.align;
    g.textBaseline = "middle";
    if (c.letterSpacing) g.letterSpacing = `${c.letterSpacing * box.scale}px`;
    const x = c.align === "center"
      ? box.x + box.width / 2
      : c.align === "right"
      ? box.x + box.width
      : box.x;
    fitText(g, c.text, x, box.y + box.height / 2, box.width, c.weight, c.size * box.scale);
  },
});

const image = defineWidget({
  kind: "image",
  config: z.object({
    src: z.string().max(300).default(""),
    fit: z.enum(["contain", "cover"]).default("contain"),
  }),
  state: none,
  draw(g, box, _state, { config, assets }) {
    const image = assets.get(config.src)?.image;
    if (!image) return;
    const k = config.fit === "cover"
      ? Math.max(box.width / image.width, box.height / image.height)
      : Math.min(box.width / image.width, box.height / image.height);
    const w = image.width * k;
    const h = image.height * k;
    g.imageSmoothingQuality = "high";
    g.drawImage(image, box.x + (box.width - w) / 2, box.y + (box.height - h) / 2, w, h);
  },
});

export const builtinWidgets = [panel, text, image];
