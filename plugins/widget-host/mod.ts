/**
 * widget-host: the `host` widget, the host's avatar talking with the speech level
 * (`host.speaking`) and captions of `host.said`; the character's name and avatars from the
 * host plugin's `host` service when it runs (host.ts).
 */
import { widgetPlugin } from "../compositor/mod.ts";
import { hostWidget } from "./host.ts";

export default widgetPlugin(hostWidget);
