/**
 * The countdown widget: time to the start before the auction, time left while
 * it runs; red in the last 5 minutes (pulsing in the last minute), and a gold
 * flash with "+ extended" when an anti-snipe extension moves the end.
 * Digits sit in fixed-width cells so the numbers never jitter.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import { TIME_ZONE } from "../../core/clock.ts";
import { card, cardLabel, createLayers, defineWidget, font, theme } from "../compositor/mod.ts";
import type { AuctionUpdated } from "../auction/mod.ts";
import type { Box } from "../compositor/mod.ts";

const URGENT_MS = 5 * 60_000;
const wallTime = new Intl.DateTimeFormat("en-US", {
  timeZone: TIME_ZONE,
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short",
});
const FLASH_MS = 2500;

export function formatLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
}

interface CountdownState {
  status: AuctionUpdated["status"] | null;
  startsAt: Temporal.Instant | null;
  endsAt: Temporal.Instant | null;
  openedAt: Temporal.Instant | null;
  extendedAt: Temporal.Instant | null;
  extensions: number;
  whenKey: string;
  whenText: string;
  layers: ReturnType<typeof createLayers>;
}

export const countdown = defineWidget({
  kind: "countdown",
  config: z.object({}),
  state: {
    init: (): CountdownState => ({
      status: null,
      startsAt: null,
      endsAt: null,
      openedAt: null,
      extendedAt: null,
      extensions: 0,
      whenKey: "",
      whenText: "",
      layers: createLayers(),
    }),
    on: {
      "campaign.phase": (st, e) => {
        const p = e.payload;
        st.startsAt = Temporal.Instant.from(p.startsAt);
        st.endsAt = Temporal.Instant.from(p.endsAt);
        if (!st.status) st.status = p.phase === "pre-auction" ? "scheduled" : st.status;
      },
      "auction.updated": (st, e) => {
        const a = e.payload;
        st.status = a.status;
        st.startsAt = Temporal.Instant.from(a.startsAt);
        st.endsAt = Temporal.Instant.from(a.endsAt);
        st.openedAt = st.startsAt;
        st.extensions = a.extensions;
      },
      "auction.extended": (st, e) => {
        st.endsAt = Temporal.Instant.from(e.payload.endsAt);
        st.extendedAt = Temporal.Instant.from(e.at);
        st.extensions++;
      },
      "bid.accepted": (st, e) => {
        st.endsAt = Temporal.Instant.from(e.payload.endsAt);
      },
    },
  },
  // Repainted when what it shows changes: each second, each blink, each flash step.
  draw(g, box, st, { ms, now }) {
    const { status, startsAt, endsAt, extendedAt, extensions } = st;
    const target = status === "open" || status === "paused" ? endsAt : startsAt;
    const left = target ? Math.ceil(Number(target.epochMilliseconds - ms) / 1000) : NaN;
    const sinceExtended = extendedAt ? ms - extendedAt.epochMilliseconds : Infinity;
    const flash = sinceExtended >= 0 && sinceExtended < FLASH_MS
      ? Math.floor(sinceExtended / 40)
      : -1;
    const blink = left <= 60 ? Math.floor(ms / 500) % 2 : 0;
    const key = `${status}|${startsAt?.epochMilliseconds}|${endsAt?.epochMilliseconds}|${left}|` +
      `${blink}|${flash}|${extensions}`;
    st.layers(g, box, key, (g) => paint(g, box, st, now));
  },
});

function paint(g: SKRSContext2D, box: Box, st: CountdownState, now: Temporal.Instant) {
  const { status, startsAt, endsAt, openedAt, extendedAt, extensions } = st;
  const s = box.scale;
  const sinceExtended = extendedAt ? now.since(extendedAt).total("milliseconds") : Infinity;
  const flashing = sinceExtended >= 0 && sinceExtended < FLASH_MS;
  card(g, box, s);
  const live = status === "open" || status === "paused";
  const before = !live && status !== "closed" && status !== "cancelled";
  const target = before ? startsAt : endsAt;
  const left = target ? target.since(now).total("milliseconds") : NaN;
  const urgent = live && left <= URGENT_MS;
  if (flashing) {
    // Two quick pulses of gold.
    const pulse = Math.abs(Math.sin((sinceExtended / FLASH_MS) * Math.PI * 2));
    g.fillStyle = `rgba(216,180,106,${(0.45 * pulse).toFixed(3)})`;
    g.beginPath();
    g.roundRect(box.x, box.y, box.width, box.height, 14 * s);
    g.fill();
  }
  const pad = 22 * s;
  const x = box.x + pad;
  const w = box.width - 2 * pad;
  g.textBaseline = "top";
  g.textAlign = "left";
  const title = before ? "STARTS IN" : live ? "TIME LEFT" : "BIDDING CLOSED";
  cardLabel(g, title, x, box.y + pad, s, urgent ? theme.urgent : theme.muted);
  const text = Number.isFinite(left) ? formatLeft(left) : "00:00";
  let colour: string = theme.ink;
  if (!live && !before) colour = theme.faint;
  else if (urgent) {
    const lastMinute = left <= 60_000;
    const blink = lastMinute && Math.floor(now.epochMilliseconds / 500) % 2 === 0;
    colour = blink ? "#ff8a7e" : theme.urgent;
  }
  // Fixed cells: size the digits so the longest form fills the width.
  let px = 60 * s;
  g.font = font(700, 60, s);
  const cell = g.measureText("0").width;
  const colon = g.measureText(":").width;
  const digits = text.replace(/:/g, "").length;
  const colons = text.length - digits;
  const total = digits * cell + colons * colon;
  if (total > w) px = Math.floor((px * w) / total);
  g.font = `700 ${px}px ${theme.font}`;
  const cw = g.measureText("0").width;
  const kw = g.measureText(":").width;
  g.fillStyle = colour;
  const y = box.y + pad + 26 * s;
  if (Number.isFinite(left)) {
    g.textAlign = "center";
    let cx = x;
    for (const ch of text) {
      const width = ch === ":" ? kw : cw;
      g.fillText(ch, cx + width / 2, y);
      cx += width;
    }
  } else {
    g.font = font(600, 22, s);
    g.fillStyle = theme.faint;
    g.fillText("Not scheduled", x, y + 12 * s);
  }
  g.textAlign = "left";
  const when = before ? startsAt : live ? endsAt : null;
  if (when) {
    const key = `${before}${when.epochMilliseconds}`;
    if (key !== st.whenKey) {
      st.whenKey = key;
      st.whenText = `${before ? "Opens" : "Ends"} ${
        wallTime.format(new Date(when.epochMilliseconds))
      }`;
    }
    g.font = font(500, 15, s);
    g.fillStyle = theme.muted;
    g.fillText(st.whenText, x, y + px + 10 * s);
  }
  // Progress of the running auction.
  if (live && openedAt && endsAt) {
    const span = endsAt.since(openedAt).total("milliseconds");
    const done = span > 0 ? Math.min(1, Math.max(0, 1 - left / span)) : 1;
    const by = box.y + box.height - pad - 6 * s;
    g.fillStyle = "#ffffff1a";
    g.beginPath();
    g.roundRect(x, by, w, 6 * s, 3 * s);
    g.fill();
    g.fillStyle = urgent ? theme.urgent : theme.gold;
    g.beginPath();
    g.roundRect(x, by, Math.max(6 * s, w * done), 6 * s, 3 * s);
    g.fill();
  }
  if (flashing || (live && extensions > 0)) {
    g.font = font(700, 14, s);
    g.fillStyle = flashing ? theme.gold : theme.faint;
    g.fillText(
      flashing ? "+ EXTENDED" : `extended ×${extensions}`,
      x,
      box.y + box.height - pad - 30 * s,
    );
  }
}
