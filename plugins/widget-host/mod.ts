/**
 * widget-host: the host's avatar, talking with the speech level (`host.speaking`), and captions of `host.said`.
 * Registers the `host` widget with the compositor; state comes from bus events only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { createHostWidget } from "./host.ts";
// Types only: the `host` service (the character's name and avatars) is the host plugin's.
import type {} from "../host/mod.ts";

export default definePlugin({
  name: "widget-host",
  listens: ["host.said", "host.interrupted", "host.speaking"],
  config: z.object({}),
  needs: ["widgets", "host?"],
  setup({ bus, use }) {
    const widgets = use("widgets");
    const character = use("host")?.character();
    const widget = createHostWidget(
      bus,
      widgets.assets,
      character && { name: character.name, avatar: character.avatar },
    );
    const unregister = widgets.register("host", widget.draw);
    return () => {
      unregister();
      widget.stop?.();
    };
  },
});
