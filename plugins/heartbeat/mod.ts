/**
 * heartbeat: the smallest useful plugin. It emits `engine.heartbeat` on a
 * fixed period so the admin panel and other processes can see the engine is alive,
 * and mirrors the last beat to the state store.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { heartbeatEvents } from "./events.ts";

export default definePlugin({
  name: "heartbeat",
  events: heartbeatEvents,
  emits: ["engine.heartbeat"],
  config: z.object({
    everySeconds: z.number().positive().default(60),
  }),
  setup({ bus, clock, config, state }) {
    const started = clock.instant();
    let beat = 0;
    let cancel = () => {};
    const tick = () => {
      beat++;
      const uptimeSeconds = Math.round(
        clock.instant().since(started).total("seconds"),
      );
      const event = bus.emit("engine.heartbeat", { beat, uptimeSeconds });
      state.set("heartbeat", event.at).catch(() => {/* the state store reports its own health */});
      cancel = clock.after(config.everySeconds * 1000, tick);
    };
    cancel = clock.after(config.everySeconds * 1000, tick);
    return () => cancel();
  },
});
