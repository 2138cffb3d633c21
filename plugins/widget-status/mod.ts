/**
 * widget-status: the current bid in ETH (exact from wei), the highest bidder, reserve met or not, bid count, and the result after the close.
 * Registers the `status` widget, and `lot-facts` (a scene line whose facts — duration, reserve,
 * times, the next lot — come from the auction, not the scene's text); state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createStatusWidget } from "./status.ts";
import { createLotFactsWidget } from "./lot_facts.ts";

export default definePlugin({
  name: "widget-status",
  listens: ["auction.updated", "bid.accepted", "auction.closed"],
  config: z.object({}),
  needs: ["widgets"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const widget = createStatusWidget(bus);
    const unregister = widgets.register("status", widget.draw);
    const lotFacts = createLotFactsWidget(bus);
    const unregisterFacts = widgets.register("lot-facts", lotFacts.draw);
    return () => {
      unregister();
      unregisterFacts();
      lotFacts.stop();
      widget.stop?.();
    };
  },
});
