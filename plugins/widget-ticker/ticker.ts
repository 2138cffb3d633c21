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
import type { Bus } from "../../core/bus.ts";
import { font, formatEth, theme } from "../compositor/mod.ts";
import type {} from "../auction/mod.ts";
import type {} from "../x/mod.ts";
import type { DrawWidget } from "../compositor/mod.ts";

/** Pixels per second at 720p. */
const SPEED = 90;

/** 300 → "5 minutes", 90 → "90 seconds". */
const span = (seconds: number) =>
  seconds % 60 === 0
    ? `${seconds / 60} minute${seconds === 60 ? "" : "s"}`
    : `${seconds} second${seconds === 1 ? "" : "s"}`;

/** The ticker's lines as the bus tells them; `messages(props)` is what a scene item shows. */
export function createTickerLines(bus: Bus): {
  messages(props: Record<string, unknown>): string[];
  stop(): void;
} {
  const live: Record<string, string> = {};
  let help: string[] = [];
  const offs = [
    bus.on("auction.updated", (e) => {
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
    }),
    bus.on("help.published", (e) => {
      const lines: unknown = e.payload.lines;
      help = Array.isArray(lines) ? lines.filter((l) => typeof l === "string") : [];
    }),
    bus.on("campaign.phase", (e) => {
      const p = e.payload;
      live.phase = p.phase === "post-auction"
        // The next lot and its time, when there is one, are the `lot` line (from its snapshot).
        ? "Thanks for bidding"
        : "";
    }),
  ];
  return {
    messages: (props) =>
      [
        ...(props.help === true ? help : []),
        ...Object.values(live).filter(Boolean),
        ...(Array.isArray(props.messages) ? props.messages : []),
      ].filter((m): m is string => typeof m === "string"),
    stop: () => offs.forEach((off) => off()),
  };
}

export function createTickerWidget(bus: Bus): { draw: DrawWidget; stop(): void } {
  const lines = createTickerLines(bus);
  let strip: { key: string; canvas: Canvas; width: number } | undefined;

  const draw: DrawWidget = ({ g, box, props, now }) => {
    const s = box.scale;
    const messages = lines.messages(props);
    g.fillStyle = "#0b0c10e6";
    g.fillRect(box.x, box.y, box.width, box.height);
    g.fillStyle = theme.goldDeep;
    g.fillRect(box.x, box.y, box.width, Math.max(1, 2 * s));
    const label = typeof props.label === "string" ? props.label : "HOW TO BID";
    g.font = font(800, 15, s);
    g.letterSpacing = `${1.4 * s}px`;
    const lw = g.measureText(label).width + 36 * s;
    g.fillStyle = theme.gold;
    g.fillRect(box.x, box.y, lw, box.height);
    g.fillStyle = "#15110a";
    g.textBaseline = "middle";
    g.textAlign = "left";
    g.fillText(label, box.x + 18 * s, box.y + box.height / 2);
    g.letterSpacing = "0px";
    if (!messages.length) return;
    const key = `${messages.join("\u0000")}@${box.height}`;
    if (strip?.key !== key) {
      const text = messages.join("     •     ") + "     •     ";
      const probe = createCanvas(1, 1).getContext("2d");
      probe.font = font(600, 19, s);
      const width = Math.ceil(probe.measureText(text).width);
      const canvas = createCanvas(Math.max(1, width), Math.round(box.height));
      const c = canvas.getContext("2d");
      c.font = font(600, 19, s);
      c.fillStyle = theme.ink;
      c.textBaseline = "middle";
      c.fillText(text, 0, box.height / 2);
      strip = { key, canvas, width };
    }
    const left = box.x + lw + 16 * s;
    const room = box.x + box.width - left;
    g.save();
    g.beginPath();
    g.rect(left, box.y, room, box.height);
    g.clip();
    // Time-based offset: smooth at any frame rate, identical on replay.
    const offset = ((now.epochMilliseconds / 1000) * SPEED * s) % strip.width;
    for (let x = left - offset; x < left + room; x += strip.width) {
      g.drawImage(strip.canvas, Math.round(x), box.y);
    }
    g.restore();
  };
  return { draw, stop: lines.stop };
}
