/**
 * widget-status: the current bid in ETH (exact from wei), the highest bidder, reserve met or not, bid count, and the result after the close.
 * Registers the `status` widget with the compositor; state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createStatusWidget } from "./status.ts";

export default definePlugin({
  name: "widget-status",
  config: z.object({}),
  needs: ["widgets"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const widget = createStatusWidget(bus);
    const unregister = widgets.register("status", widget.draw);
    return () => {
      unregister();
      widget.stop?.();
    };
  },
});
