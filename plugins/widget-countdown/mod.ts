/**
 * widget-countdown: the `countdown` widget, time to the start or time left, red in the last
 * 5 minutes, a gold flash on an anti-snipe extension (countdown.ts).
 */
import { widgetPlugin } from "../compositor/mod.ts";
import { countdown } from "./countdown.ts";

export default widgetPlugin(countdown);
