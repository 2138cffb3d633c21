/**
 * widget-bid-feed: the latest bids, accepted (amount) and rejected (reason), newest first.
 * Registers the `bid-feed` widget with the compositor; state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createBidFeedWidget } from "./bid_feed.ts";

export default definePlugin({
  name: "widget-bid-feed",
  listens: ["auction.updated", "bid.accepted", "bid.rejected"],
  config: z.object({}),
  needs: ["widgets"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const widget = createBidFeedWidget(bus);
    const unregister = widgets.register("bid-feed", widget.draw);
    return () => {
      unregister();
      widget.stop?.();
    };
  },
});
