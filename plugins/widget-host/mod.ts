/**
 * widget-host: the host's avatar, talking with the speech level (`host.speaking`), and captions of `host.said`.
 * Registers the `host` widget with the compositor; state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createHostWidget } from "./host.ts";

export default definePlugin({
  name: "widget-host",
  config: z.object({}),
  needs: ["widgets"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const widget = createHostWidget(bus, widgets.assets);
    const unregister = widgets.register("host", widget.draw);
    return () => {
      unregister();
      widget.stop?.();
    };
  },
});
