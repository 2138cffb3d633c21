/**
 * The `slate-reason` widget: the slate's automatic reasons, one line each
 * (from the slate plugin's state, never fixed text); nothing when none stands
 * (an operator's hold shows only the slate's own words).
 */
import { fitText, theme } from "../compositor/mod.ts";
import type { DrawWidget, SlateChanged } from "../compositor/mod.ts";

export function slateReasonWidget(now: () => SlateChanged): DrawWidget {
  return ({ g, box, props }) => {
    const reasons = now().reasons;
    if (!reasons.length) return;
    const size = (typeof props.size === "number" ? props.size : 18) * box.scale;
    const line = Math.min(size * 1.4, box.height / reasons.length);
    g.fillStyle = typeof props.color === "string" ? props.color : theme.ink;
    g.textAlign = "center";
    g.textBaseline = "middle";
    reasons.forEach((text, i) => {
      fitText(g, text, box.x + box.width / 2, box.y + line * (i + 0.5), box.width, 600, size);
    });
  };
}
