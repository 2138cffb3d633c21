/**
 * The ticker (lower third): a label block and a line of announcements that
 * scrolls at a steady speed. The line is set once into a strip canvas and
 * blitted at an offset per frame; it is reset when the messages change.
 *
 * Every fact in it comes from the bus: how to bid from the x plugin's
 * `help.published` (shown where the scene item has `props.help`), the lot,
 * its next minimum and its anti-sniping rule from `auction.updated`.
 */
import { type Canvas, createCanvas } from "@napi-rs/canvas";
import { z } from "zod";
import { defineWidget, font, formatEth, theme } from "../compositor/mod.ts";
import type {} from "../auction/mod.ts";
import type {} from "../x/mod.ts";

/** Pixels per second at 720p. */
const SPEED = 90;

/** 300 → "5 minutes", 90 → "90 seconds". */
const span = (seconds: number) =>
  seconds % 60 === 0
    ? `${seconds / 60} minute${seconds === 60 ? "" : "s"}`
    : `${seconds} second${seconds === 1 ? "" : "s"}`;

export interface TickerState {
  live: Record<string, string>;
  help: string[];
  strip?: { key: string; canvas: Canvas; width: number };
}

/** The lines a scene item shows: how to bid (with `help`), what the bus said, its own. */
export function tickerMessages(state: TickerState, config: { help: boolean; messages: string[] }) {
  return [
    ...(config.help ? state.help : []),
    ...Object.values(state.live).filter(Boolean),
    ...config.messages,
  ];
}

export const ticker = defineWidget({
  kind: "ticker",
  config: z.object({
    label: z.string().max(40).default("HOW TO BID"),
    /** Show the x plugin's how-to-bid lines. */
    help: z.boolean().default(false),
    messages: z.array(z.string().max(300)).max(20).default([]),
  }),
  state: {
    init: (): TickerState => ({ live: {}, help: [] }),
    on: {
      "auction.updated": ({ live }, e) => {
        const a = e.payload;
        const title = a.item ?? "tonight's lot";
        live.lot = a.status === "open"
          ? `Bidding is open on “${title}” · next bid at least ${formatEth(a.minNextWei)}`
          : a.status === "scheduled"
          ? `Up next: “${title}” · reserve ${formatEth(a.reserveWei)}`
          : "";
        const { extensionWindowSeconds: window, extensionSeconds: by } = a;
        live.rule = (a.status === "open" || a.status === "scheduled") && window && by
          ? `A bid in the last ${span(window)} extends the auction to ${span(by)} after it`
          : "";
      },
      "help.published": (state, e) => {
        const lines: unknown = e.payload.lines;
        state.help = Array.isArray(lines) ? lines.filter((l) => typeof l === "string") : [];
      },
      "campaign.phase": ({ live }, e) => {
        // The next lot and its time, when there is one, are the `lot` line (from its snapshot).
        live.phase = e.payload.phase === "post-auction" ? "Thanks for bidding" : "";
      },
    },
  },
  draw(g, box, state, { config, ms }) {
    const s = box.scale;
    const messages = tickerMessages(state, config);
    g.fillStyle = "#0b0c10e6";
    g.fillRect(box.x, box.y, box.width, box.height);
    g.fillStyle = theme.goldDeep;
    g.fillRect(box.x, box.y, box.width, Math.max(1, 2 * s));
    g.font = font(800, 15, s);
    g.letterSpacing = `${1.4 * s}px`;
    const lw = g.measureText(config.label).width + 36 * s;
    g.fillStyle = theme.gold;
    g.fillRect(box.x, box.y, lw, box.height);
    g.fillStyle = "#15110a";
    g.textBaseline = "middle";
    g.textAlign = "left";
    g.fillText(config.label, box.x + 18 * s, box.y + box.height / 2);
    g.letterSpacing = "0px";
    if (!messages.length) return;
    const key = `${messages.join("\u0000")}@${box.height}`;
    if (state.strip?.key !== key) state.strip = paintStrip(messages, key, box.height, s);
    const strip = state.strip;
    const left = box.x + lw + 16 * s;
    const room = box.x + box.width - left;
    g.save();
    g.beginPath();
    g.rect(left, box.y, room, box.height);
    g.clip();
    // Time-based offset: smooth at any frame rate, identical on replay.
    const offset = ((ms / 1000) * SPEED * s) % strip.width;
    for (let x = left - offset; x < left + room; x += strip.width) {
      g.drawImage(strip.canvas, Math.round(x), box.y);
    }
    g.restore();
  },
});

/** The line set once into a strip canvas, blitted at an offset per frame. */
function paintStrip(messages: string[], key: string, height: number, s: number) {
  const text = messages.join("     •     ") + "     •     ";
  const probe = createCanvas(1, 1).getContext("2d");
  probe.font = font(600, 19, s);
  const width = Math.ceil(probe.measureText(text).width);
  const canvas = createCanvas(Math.max(1, width), Math.round(height));
  const c = canvas.getContext("2d");
  c.font = font(600, 19, s);
  c.fillStyle = theme.ink;
  c.textBaseline = "middle";
  c.fillText(text, 0, height / 2);
  return { key, canvas, width };
}
