/**
 * Widgets every scene can use without a plugin: `panel` (a card), `text`
 * (a line that fits its box) and `image` (an asset, contained or covering).
 */
import { card, fitText } from "./draw.ts";
import { theme } from "./theme.ts";
import type { DrawWidget, Widgets } from "./widgets.ts";

export function builtinWidgets(widgets: Widgets): Record<string, DrawWidget> {
  const str = (v: unknown, d: string) => (typeof v === "string" ? v : d);
  const num = (v: unknown, d: number) => (typeof v === "number" ? v : d);
  return {
    panel: ({ g, box, props }) => card(g, box, box.scale, str(props.fill, theme.card)),
    text: ({ g, box, props }) => {
      const size = num(props.size, 24) * box.scale;
      const align = str(props.align, "left") as "left" | "center" | "right";
      g.fillStyle = str(props.color, theme.ink);
      g.textAlign = align;
      g.textBaseline = "middle";
      if (props.letterSpacing) g.letterSpacing = `${num(props.letterSpacing, 0) * box.scale}px`;
      const x = align === "center"
        ? box.x + box.width / 2
        : align === "right"
        ? box.x + box.width
        : box.x;
      fitText(
        g,
        str(props.text, ""),
        x,
        box.y + box.height / 2,
        box.width,
        num(props.weight, 600),
        size,
      );
    },
    image: ({ g, box, props }) => {
      const image = widgets.assets.get(str(props.src, ""))?.image;
      if (!image) return;
      const k = props.fit === "cover"
        ? Math.max(box.width / image.width, box.height / image.height)
        : Math.min(box.width / image.width, box.height / image.height);
      const w = image.width * k;
      const h = image.height * k;
      g.imageSmoothingQuality = "high";
      g.drawImage(image, box.x + (box.width - w) / 2, box.y + (box.height - h) / 2, w, h);
    },
  };
}
