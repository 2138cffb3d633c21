/**
 * widget-countdown: time to the start (pre-auction) or time left (live), red in the last 5 minutes, a gold flash on an anti-snipe extension.
 * Registers the `countdown` widget with the compositor; state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createCountdownWidget } from "./countdown.ts";

export default definePlugin({
  name: "widget-countdown",
  listens: ["campaign.phase", "auction.updated", "auction.extended", "bid.accepted"],
  config: z.object({}),
  needs: ["widgets"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const widget = createCountdownWidget(bus);
    const unregister = widgets.register("countdown", widget.draw);
    return () => {
      unregister();
      widget.stop?.();
    };
  },
});
