/** widget-clock: the `clock` widget, New York time with EST/EDT (clock.ts). */
import { widgetPlugin } from "../compositor/mod.ts";
import { clock } from "./clock.ts";

export default widgetPlugin(clock);
