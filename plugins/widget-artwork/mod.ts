/**
 * widget-artwork: draws the lot's NFT image (from `auction.updated`'s item, or
 * the scene item's `src`/`title`/`artist` props) as the `artwork` widget, and
 * serves the lot's image to the public pages at `/artwork/<item>`: only an
 * image the catalogue (or the item itself) names, inside the assets folder.
 */
import { definePlugin } from "../../core/plugin.ts";
import { mountWidgets, widgetListens } from "../compositor/mod.ts";
import { artwork, artworkSettings, resolveItem } from "./artwork.ts";
import { publicHeaders } from "../auction/mod.ts";

const IMAGE = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_./-]{1,200}\.(png|jpe?g|webp)$/;
const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
};

export default definePlugin({
  name: "widget-artwork",
  listens: widgetListens(artwork),
  config: artworkSettings,
  needs: ["widgets"],
  setup(ctx) {
    const { config, use, http } = ctx;
    const widgets = use("widgets");
    http.get("/artwork/:item", async (c) => {
      const image = resolveItem(c.req.param("item").slice(0, 200), config.items)?.image;
      if (!image || !IMAGE.test(image)) return c.text("no image for this lot", 404);
      try {
        const bytes = await Deno.readFile(`${widgets.assets.dir.replace(/\/$/, "")}/${image}`);
        publicHeaders(c);
        return c.body(bytes, 200, {
          "content-type": TYPES[image.split(".").at(-1)!.toLowerCase()],
          "cache-control": "public, max-age=300",
        });
      } catch {
        return c.text("no image for this lot", 404);
      }
    });
    return mountWidgets(ctx, config, artwork);
  },
});
