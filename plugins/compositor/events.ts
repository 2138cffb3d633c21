/**
 * The compositor's bus event: `slate.changed`, what it needs to put the slate
 * scene on air (the slate plugin, which depends on the compositor, emits it on
 * every change of what keeps the slate on air: `on` is true exactly when an
 * operator holds it or at least one automatic reason stands). Schema validated
 * on emit; the type is derived and merged into the bus here.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";

const iso = z.string();

export const compositorEvents = {
  "slate.changed": z.object({
    on: z.boolean(),
    /** Why the show's data is stale now, one line each, from state and config. */
    reasons: z.array(z.string()),
    /** An operator's hold (the panel), or null. */
    held: z.object({ by: z.string(), reason: z.string(), since: iso }).nullable(),
    /** When the slate went on air (null when off). */
    since: iso.nullable(),
  }),
};

export type CompositorEvents = EventsOf<typeof compositorEvents>;
export type SlateChanged = CompositorEvents["slate.changed"];

declare module "../../core/bus.ts" {
  interface Events extends CompositorEvents {}
}
