/**
 * widget-status: the `status` widget (current bid in ETH exact from wei, the highest bidder,
 * reserve met or not, bid count, the result after the close; status.ts) and `lot-facts` (a scene
 * line whose facts come from the auction, not the scene's text; lot_facts.ts).
 */
import { widgetPlugin } from "../compositor/mod.ts";
import { status } from "./status.ts";
import { lotFactsWidget } from "./lot_facts.ts";

export default widgetPlugin(status, lotFactsWidget);
