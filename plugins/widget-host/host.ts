/**
 * The host widget: the avatar in a ring that glows with the voice, a mouth
 * that opens with the speech level (`host.speaking`), and captions of the line
 * being said (`host.said`), held long enough to read. A caption is removed the
 * moment the host withdraws its line (`host.interrupted`: a fact in it changed),
 * so the screen never keeps a stale leader. With a character (the `host`
 * service), the avatar is its idle, talking (while the voice is heard) or
 * excited image. The still part (card, avatar, name, caption) is a layer; the
 * mouth and the ring are drawn live each frame.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import { z } from "zod";
import {
  card,
  cardLabel,
  createLayers,
  defineWidget,
  font,
  theme,
  wrapText,
} from "../compositor/mod.ts";
import type { Assets, Box, WidgetFrame } from "../compositor/mod.ts";
import type {} from "../host/mod.ts";
import type {} from "../voice/mod.ts";

/** A level older than this is stale: the mouth closes. */
const LEVEL_HOLD_MS = 250;

export interface HostLook {
  name: string;
  avatar: { idle: string; talking: string; excited: string };
}

interface HostState {
  look?: HostLook;
  assets: Assets;
  caption: {
    text: string;
    at: Temporal.Instant;
    holdMs: number;
    utteranceId: string;
    excited: boolean;
  } | null;
  level: number;
  levelAt: Temporal.Instant | null;
  round?: { key: string; canvas: Canvas };
  layers: ReturnType<typeof createLayers>;
}

const config = z.object({
  /** Without a character: the image (a path in the assets folder) and the name. */
  avatar: z.string().max(300).default("host/avatar.png"),
  name: z.string().max(80).default("YOUR HOST"),
  /** Shown while no line is on screen. */
  idle: z.string().max(200).default("Listening for your bids…"),
  /** Where the mouth is, as fractions of the avatar. */
  mouth: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.5, 0.63]),
});
type HostConfig = z.output<typeof config>;

const geometry = (box: Box) => {
  const pad = 14 * box.scale;
  const d = Math.min(box.height - 2 * pad, box.width * 0.4);
  return { pad, d, ax: box.x + pad, ay: box.y + (box.height - d) / 2 };
};
const speakingNow = (st: HostState, now: Temporal.Instant) => {
  const fresh = st.levelAt ? now.since(st.levelAt).total("milliseconds") : Infinity;
  return fresh >= 0 && fresh < LEVEL_HOLD_MS && st.level > 0.02;
};
const captionShown = (st: HostState, now: Temporal.Instant) => {
  const age = st.caption ? now.since(st.caption.at).total("milliseconds") : Infinity;
  return st.caption && age >= 0 && age < st.caption.holdMs ? st.caption.text : null;
};
const avatarOf = (st: HostState, c: HostConfig, now: Temporal.Instant) => {
  if (!st.look) return c.avatar;
  if (captionShown(st, now) && st.caption?.excited) return st.look.avatar.excited;
  return speakingNow(st, now) ? st.look.avatar.talking : st.look.avatar.idle;
};

export const hostWidget = defineWidget({
  kind: "host",
  config,
  needs: ["host?"],
  state: {
    init: ({ use, assets }): HostState => {
      const character = use("host")?.character();
      return {
        look: character && { name: character.name, avatar: character.avatar },
        assets,
        caption: null,
        level: 0,
        levelAt: null,
        layers: createLayers(),
      };
    },
    on: {
      "host.said": (st, e) => {
        const said = e.payload;
        const words = said.text.split(/\s+/).length;
        st.caption = {
          text: said.text,
          at: Temporal.Instant.from(e.at),
          holdMs: Math.max(4000, words * 420 + 1500),
          utteranceId: said.utteranceId,
          excited: said.mood === "excited",
        };
      },
      "host.interrupted": (st, e) => {
        if (st.caption?.utteranceId === e.payload.utteranceId) st.caption = null;
      },
      "host.speaking": (st, e) => {
        st.level = Math.max(0, Math.min(1, e.payload.level));
        st.levelAt = Temporal.Instant.from(e.at);
      },
    },
  },
  /** The still part from its layer, then the live part: mouth and ring follow the voice. */
  draw(g, box, st, frame) {
    const { now, config: c } = frame;
    const s = box.scale;
    const src = avatarOf(st, c, now);
    const key = `${captionShown(st, now)}|${src}#${st.assets.get(src)?.version}|${c.name}`;
    st.layers(g, box, key, (layer) => paint(layer, box, st, frame));
    const { d, ax, ay } = geometry(box);
    const fresh = st.levelAt ? now.since(st.levelAt).total("milliseconds") : Infinity;
    const speaking = fresh >= 0 && fresh < LEVEL_HOLD_MS ? st.level : 0;
    if (st.round) {
      const [mx, my] = c.mouth;
      const open = speaking * 0.085 * d;
      g.fillStyle = "#5a2630";
      g.beginPath();
      g.ellipse(ax + mx * d, ay + my * d, 0.075 * d, Math.max(0.006 * d, open), 0, 0, Math.PI * 2);
      g.fill();
      if (open > 0.02 * d) {
        g.fillStyle = "#f3efe8";
        g.fillRect(ax + mx * d - 0.05 * d, ay + my * d - open, 0.1 * d, open * 0.35);
      }
    }
    g.lineWidth = (2 + 4 * speaking) * s;
    g.strokeStyle = speaking > 0.02 ? `rgba(216,180,106,${0.5 + 0.5 * speaking})` : "#ffffff2a";
    g.beginPath();
    g.arc(ax + d / 2, ay + d / 2, d / 2 + 2 * s, 0, Math.PI * 2);
    g.stroke();
  },
});

/** The still part: card, avatar, name, caption. */
function paint(g: SKRSContext2D, box: Box, st: HostState, frame: WidgetFrame<HostConfig>) {
  const { now, config: c } = frame;
  const s = box.scale;
  card(g, box, s);
  const { pad, d, ax, ay } = geometry(box);
  const src = avatarOf(st, c, now);
  const asset = st.assets.get(src);
  if (asset) {
    const key = `${src}#${asset.version}@${Math.round(d)}`;
    if (st.round?.key !== key) {
      // Clip to a circle once; per frame it is one blit.
      const size = Math.round(d);
      const canvas = createCanvas(size, size);
      const r = canvas.getContext("2d");
      r.beginPath();
      r.arc(size / 2, size / 2, size / 2, 0, Math.PI * 2);
      r.clip();
      r.imageSmoothingQuality = "high";
      r.drawImage(asset.image, 0, 0, size, size);
      st.round = { key, canvas };
    }
    g.drawImage(st.round.canvas, ax, ay);
  }
  const tx = ax + d + 16 * s;
  const tw = box.x + box.width - pad - tx;
  g.textAlign = "left";
  g.textBaseline = "top";
  const name = st.look?.name ?? c.name;
  cardLabel(g, name.toUpperCase(), tx, box.y + pad + 2 * s, s, theme.gold);
  const text = captionShown(st, now);
  if (text) {
    g.font = font(500, 17, s);
    g.fillStyle = theme.ink;
    const lineH = 23 * s;
    const maxLines = Math.max(1, Math.floor((box.height - 2 * pad - 24 * s) / lineH));
    for (const [i, line] of wrapText(g, text, tw, maxLines).entries()) {
      g.fillText(line, tx, box.y + pad + 24 * s + i * lineH);
    }
  } else {
    g.font = font(500, 16, s);
    g.fillStyle = theme.faint;
    g.fillText(c.idle, tx, box.y + pad + 24 * s);
  }
}
