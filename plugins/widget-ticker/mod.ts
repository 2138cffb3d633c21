/**
 * widget-ticker: the lower-third `ticker` widget: how to bid, the lot and its rule from the
 * bus, the scene item's own lines (ticker.ts).
 */
import { widgetPlugin } from "../compositor/mod.ts";
import { ticker } from "./ticker.ts";

export default widgetPlugin(ticker);
