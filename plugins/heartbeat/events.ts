/**
 * The heartbeat's bus event: `engine.heartbeat`, once a period, so the panel and
 * other processes see the engine is alive. Schema validated on emit; the type
 * is derived and merged into the bus here.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";

export const heartbeatEvents = {
  "engine.heartbeat": z.object({ beat: z.number().int(), uptimeSeconds: z.number() }),
};

declare module "../../core/bus.ts" {
  interface Events extends EventsOf<typeof heartbeatEvents> {}
}
