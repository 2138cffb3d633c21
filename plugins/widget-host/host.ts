/**
 * The host widget: the avatar in a ring that glows with the voice, a mouth
 * that opens with the speech level (`host.speaking`), and captions of the line
 * being said (`host.said`), held long enough to read. A caption is removed the
 * moment the host withdraws its line (`host.interrupted`: a fact in it changed),
 * so the screen never keeps a stale leader. With a character, the avatar is its
 * idle, talking (while the voice is heard) or excited image.
 */
import { type Canvas, createCanvas } from "@napi-rs/canvas";
import type { Bus } from "../../core/bus.ts";
import { card, cardLabel, createLayers, font, theme, wrapText } from "../compositor/mod.ts";
import type {} from "../host/mod.ts";
import type {} from "../voice/mod.ts";
import type { Assets, DrawWidget } from "../compositor/mod.ts";

/** A level older than this is stale: the mouth closes. */
const LEVEL_HOLD_MS = 250;

export interface HostLook {
  name: string;
  avatar: { idle: string; talking: string; excited: string };
}

export function createHostWidget(
  bus: Bus,
  assets: Assets,
  look?: HostLook,
): { draw: DrawWidget; stop(): void } {
  let caption: {
    text: string;
    at: Temporal.Instant;
    holdMs: number;
    utteranceId: string;
    excited: boolean;
  } | null = null;
  let level = 0;
  let levelAt: Temporal.Instant | null = null;
  const offs = [
    bus.on("host.said", (e) => {
      const said = e.payload;
      const words = said.text.split(/\s+/).length;
      caption = {
        text: said.text,
        at: Temporal.Instant.from(e.at),
        holdMs: Math.max(4000, words * 420 + 1500),
        utteranceId: said.utteranceId,
        excited: said.mood === "excited",
      };
    }),
    bus.on("host.interrupted", (e) => {
      if (caption?.utteranceId === e.payload.utteranceId) {
        caption = null;
      }
    }),
    bus.on("host.speaking", (e) => {
      level = Math.max(0, Math.min(1, e.payload.level));
      levelAt = Temporal.Instant.from(e.at);
    }),
  ];
  let round: { key: string; canvas: Canvas } | undefined;

  const geometry = (
    box: { x: number; y: number; width: number; height: number; scale: number },
  ) => {
    const pad = 14 * box.scale;
    const d = Math.min(box.height - 2 * pad, box.width * 0.4);
    return { pad, d, ax: box.x + pad, ay: box.y + (box.height - d) / 2 };
  };
  const speakingNow = (now: Temporal.Instant) => {
    const fresh = levelAt ? now.since(levelAt).total("milliseconds") : Infinity;
    return fresh >= 0 && fresh < LEVEL_HOLD_MS && level > 0.02;
  };
  const avatarOf = (props: Record<string, unknown>, now?: Temporal.Instant) => {
    if (look) {
      const shown = now && captionShown(now);
      if (shown && caption?.excited) return look.avatar.excited;
      return now && speakingNow(now) ? look.avatar.talking : look.avatar.idle;
    }
    return typeof props.avatar === "string" ? props.avatar : "host/avatar.png";
  };
  const captionShown = (now: Temporal.Instant) => {
    const age = caption ? now.since(caption.at).total("milliseconds") : Infinity;
    return caption && age >= 0 && age < caption.holdMs ? caption.text : null;
  };

  /** The still part: card, avatar, name, caption. */
  const paint: DrawWidget = ({ g, box, props, now }) => {
    const s = box.scale;
    card(g, box, s);
    const { pad, d, ax, ay } = geometry(box);
    const src = avatarOf(props, now);
    const asset = assets.get(src);
    if (asset) {
      const key = `${src}#${asset.version}@${Math.round(d)}`;
      if (round?.key !== key) {
        // Clip to a circle once; per frame it is one blit.
        const size = Math.round(d);
        const canvas = createCanvas(size, size);
        const c = canvas.getContext("2d");
        c.beginPath();
        c.arc(size / 2, size / 2, size / 2, 0, Math.PI * 2);
        c.clip();
        c.imageSmoothingQuality = "high";
        c.drawImage(asset.image, 0, 0, size, size);
        round = { key, canvas };
      }
      g.drawImage(round.canvas, ax, ay);
    }
    const tx = ax + d + 16 * s;
    const tw = box.x + box.width - pad - tx;
    g.textAlign = "left";
    g.textBaseline = "top";
    const name = look?.name ?? (typeof props.name === "string" ? props.name : "YOUR HOST");
    cardLabel(g, name.toUpperCase(), tx, box.y + pad + 2 * s, s, theme.gold);
    const text = captionShown(now);
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
      const idle = typeof props.idle === "string" ? props.idle : "Listening for your bids…";
      g.fillText(idle, tx, box.y + pad + 24 * s);
    }
  };

  const layers = createLayers();
  /** The still part from its layer, then the live part: mouth and ring follow the voice. */
  const draw: DrawWidget = (ctx) => {
    const { g, box, props, now } = ctx;
    const s = box.scale;
    const src = avatarOf(props, now);
    const key = `${captionShown(now)}|${src}#${assets.get(src)?.version}|${String(props.name)}`;
    layers(g, box, key, (c) => paint({ ...ctx, g: c }));
    const { d, ax, ay } = geometry(box);
    const fresh = levelAt ? now.since(levelAt).total("milliseconds") : Infinity;
    const speaking = fresh >= 0 && fresh < LEVEL_HOLD_MS ? level : 0;
    if (round) {
      const [mx, my] = Array.isArray(props.mouth) ? props.mouth as number[] : [0.5, 0.63];
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
  };
  return { draw, stop: () => offs.forEach((off) => off()) };
}
