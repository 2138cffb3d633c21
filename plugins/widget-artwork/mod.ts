/**
 * widget-artwork: draws the lot's NFT image (from `auction.updated`'s item, or
 * the scene item's `src`/`title`/`artist` props) as the `artwork` widget.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createArtworkWidget } from "./artwork.ts";

export default definePlugin({
  name: "widget-artwork",
  config: z.object({}),
  needs: ["widgets"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const widget = createArtworkWidget(bus, widgets.assets);
    const unregister = widgets.register("artwork", widget.draw);
    return () => {
      unregister();
      widget.stop();
    };
  },
});
