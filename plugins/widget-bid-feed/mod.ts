/**
 * widget-bid-feed: the `bid-feed` widget, the latest bids newest first, accepted (amount) and
 * rejected (reason) (bid_feed.ts).
 */
import { widgetPlugin } from "../compositor/mod.ts";
import { bidFeed } from "./bid_feed.ts";

export default widgetPlugin(bidFeed);
