/** widget-sparkline: the `sparkline` widget, the lot's bid prices as a line (sparkline.ts). */
import { widgetPlugin } from "../compositor/mod.ts";
import { sparkline } from "./sparkline.ts";

export default widgetPlugin(sparkline);
