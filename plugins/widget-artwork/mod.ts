/**
 * widget-artwork: draws the lot's NFT image (from `auction.updated`'s item, or
 * the scene item's `src`/`title`/`artist` props) as the `artwork` widget.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createArtworkWidget } from "./artwork.ts";

export default definePlugin({
  name: "widget-artwork",
  config: z.object({
    /** By the auction's item name: the image (a path in the assets folder), title and artist. */
    items: z.record(
      z.string(),
      z.object({
        image: z.string().optional(),
        title: z.string().optional(),
        artist: z.string().optional(),
      }),
    ).default({}),
  }),
  needs: ["widgets"],
  setup({ bus, config, use }) {
    const widgets = use("widgets");
    const widget = createArtworkWidget(bus, widgets.assets, config.items);
    const unregister = widgets.register("artwork", widget.draw);
    return () => {
      unregister();
      widget.stop();
    };
  },
});
