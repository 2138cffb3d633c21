/**
 * widget-ticker: a lower-third ticker: announcements, the next auction, how to bid (scene props `label`, `messages`).
 * Registers the `ticker` widget with the compositor; state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createTickerWidget } from "./ticker.ts";

export default definePlugin({
  name: "widget-ticker",
  listens: ["auction.updated", "help.published", "campaign.phase"],
  config: z.object({}),
  needs: ["widgets"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const widget = createTickerWidget(bus);
    const unregister = widgets.register("ticker", widget.draw);
    return () => {
      unregister();
      widget.stop?.();
    };
  },
});
