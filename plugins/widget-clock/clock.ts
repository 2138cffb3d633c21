/**
 * The clock widget: New York time with its zone (EST/EDT), e.g. `7:32:05 PM EST`.
 * The text is formatted once per second, not per frame.
 */
import { TIME_ZONE } from "../../core/clock.ts";
import { createLayers, font, theme } from "../compositor/mod.ts";
import type { DrawWidget } from "../compositor/mod.ts";

const formatter = new Intl.DateTimeFormat("en-US", {
  timeZone: TIME_ZONE,
  hour: "numeric",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});

/** `7:32:05 PM EST` for an instant. */
export function nyClockText(at: Temporal.Instant): string {
  return formatter.format(new Date(at.epochMilliseconds));
}

export function createClockWidget(): { draw: DrawWidget } {
  let second = NaN;
  let text = "";
  const layers = createLayers();
  const draw: DrawWidget = (ctx) => {
    const sec = Math.floor(ctx.now.epochMilliseconds / 1000);
    if (sec !== second) {
      second = sec;
      text = nyClockText(ctx.now);
    }
    layers(ctx.g, ctx.box, text, (g) => paint({ ...ctx, g }));
  };
  const paint: DrawWidget = ({ g, box, props }) => {
    const s = box.scale;
    const label = typeof props.label === "string" ? props.label : "NEW YORK";
    g.textBaseline = "middle";
    g.textAlign = "right";
    const mid = box.y + box.height / 2;
    let right = box.x + box.width;
    if (props.align === "center") {
      g.font = font(700, 18, s);
      const time = g.measureText(text).width;
      g.font = font(600, 12, s);
      g.letterSpacing = `${1.5 * s}px`;
      const total = time + 12 * s + g.measureText(label).width;
      g.letterSpacing = "0px";
      right = box.x + (box.width + total) / 2;
    }
    g.font = font(700, 18, s);
    g.fillStyle = theme.ink;
    g.fillText(text, right, mid);
    const tw = g.measureText(text).width;
    g.font = font(600, 12, s);
    g.letterSpacing = `${1.5 * s}px`;
    g.fillStyle = theme.muted;
    g.fillText(label, right - tw - 12 * s, mid + 1 * s);
    g.letterSpacing = "0px";
  };
  return { draw };
}
