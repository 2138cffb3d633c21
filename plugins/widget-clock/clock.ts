/**
 * The clock widget: New York time with its zone (EST/EDT), e.g. `7:32:05 PM EST`.
 * The text is formatted once per second, not per frame, and painted into a
 * layer only when it changes.
 */
import { z } from "zod";
import { TIME_ZONE } from "../../core/clock.ts";
import { createLayers, defineWidget, font, theme } from "../compositor/mod.ts";

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

export const clock = defineWidget({
  kind: "clock",
  config: z.object({
    label: z.string().max(40).default("NEW YORK"),
    /** `right`: flush right in its box; `center`: the pair centred. */
    align: z.enum(["right", "center"]).default("right"),
  }),
  state: {
    init: () => ({ second: NaN, text: "", layers: createLayers() }),
    on: {},
  },
  draw(g, box, state, { ms, now, config }) {
    const sec = Math.floor(ms / 1000);
    if (sec !== state.second) {
      state.second = sec;
      state.text = nyClockText(now);
    }
    const { text } = state;
    state.layers(g, box, `${text}|${config.label}|${config.align}`, (g) => {
      const s = box.scale;
      g.textBaseline = "middle";
      g.textAlign = "right";
      const mid = box.y + box.height / 2;
      let right = box.x + box.width;
      if (config.align === "center") {
        g.font = font(700, 18, s);
        const time = g.measureText(text).width;
        g.font = font(600, 12, s);
        g.letterSpacing = `${1.5 * s}px`;
        const total = time + 12 * s + g.measureText(config.label).width;
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
      g.fillText(config.label, right - tw - 12 * s, mid + 1 * s);
      g.letterSpacing = "0px";
    });
  },
});
