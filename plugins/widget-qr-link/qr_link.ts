/**
 * The `qr-link` widget: a QR code of the link page (where a bidder links their
 * wallet to their X account), from the plugin's `url` setting, encoded once by
 * the `qr` package (a maintained encoder, not ours). Built only on the
 * compositor's face (an example of the widget SDK). The code is drawn with a
 * quiet zone of 2 modules, each module a whole number of pixels so scanners
 * read it off a stream.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import encodeQR from "qr";
import { z } from "zod";
import {
  type Box,
  card,
  cardLabel,
  createLayers,
  defineWidget,
  ellipsize,
  font,
  theme,
} from "../compositor/mod.ts";

/** Modules of white around the code (the spec asks 4; 2 reads fine on a dark card's white tile). */
const QUIET = 2;

interface QrState {
  url: string;
  /** The code's modules, its quiet zone included; null without a url. */
  modules: boolean[][] | null;
  layers: ReturnType<typeof createLayers>;
}

export const qrLink = defineWidget({
  kind: "qr-link",
  config: z.object({
    label: z.string().max(40).default("LINK YOUR WALLET"),
    /** Under the code; default the link's host and path. */
    caption: z.string().max(120).optional(),
  }),
  settings: z.object({
    /**
     * The link page (`${PUBLIC_URL}/link` in the shipped configs). Without it the widget's slot
     * says so (a red box), rather than the plugin refusing to start with the others.
     */
    url: z.url({ protocol: /^https?$/ }).max(500).optional(),
  }),
  state: {
    init: ({ settings }): QrState => ({
      url: settings.url ?? "",
      modules: settings.url
        ? encodeQR(settings.url, "raw", { ecc: "medium", border: QUIET })
        : null,
      layers: createLayers(),
    }),
    on: {},
  },
  draw(g, box, s, { config }) {
    if (!s.modules) throw new Error("no link page: set widget-qr-link's url in the config file");
    const caption = config.caption ?? s.url.replace(/^https?:\/\//, "");
    const modules = s.modules;
    s.layers(
      g,
      box,
      `${config.label}|${caption}`,
      (g) => paint(g, box, modules, config.label, caption),
    );
  },
});

function paint(
  g: SKRSContext2D,
  box: Box,
  modules: boolean[][],
  label: string,
  caption: string,
) {
  const k = box.scale;
  card(g, box, k);
  const pad = 16 * k;
  g.textBaseline = "top";
  g.textAlign = "left";
  cardLabel(g, label, box.x + pad, box.y + pad, k);
  const n = modules.length;
  const room = Math.min(box.width - 2 * pad, box.height - 2 * pad - 48 * k);
  const cell = Math.max(1, Math.floor(room / n));
  const side = cell * n;
  const x0 = Math.round(box.x + (box.width - side) / 2);
  const y0 = Math.round(box.y + pad + 24 * k);
  g.fillStyle = "#ffffff";
  g.fillRect(x0, y0, side, side);
  g.fillStyle = "#000000";
  for (const [row, line] of modules.entries()) {
    for (const [col, dark] of line.entries()) {
      if (dark) g.fillRect(x0 + col * cell, y0 + row * cell, cell, cell);
    }
  }
  g.font = font(500, 13, k);
  g.fillStyle = theme.muted;
  g.textAlign = "center";
  g.fillText(ellipsize(g, caption, box.width - 2 * pad), box.x + box.width / 2, y0 + side + 8 * k);
}
