/**
 * widget-clock: New York time with EST/EDT.
 * Registers the `clock` widget with the compositor; state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createClockWidget } from "./clock.ts";

export default definePlugin({
  name: "widget-clock",
  config: z.object({}),
  needs: ["widgets"],
  setup({ use }) {
    const widgets = use("widgets");
    const widget = createClockWidget();
    const unregister = widgets.register("clock", widget.draw);
    return () => {
      unregister();
      void widget;
    };
  },
});
