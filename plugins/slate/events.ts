/**
 * The slate's bus event and its schema (validated on emit). `slate.changed` is
 * emitted on every change of what keeps the slate on air: `on` is true exactly
 * when an operator holds it or at least one automatic reason stands.
 */
import { z } from "zod";

const iso = z.string();

export const slateEvents = {
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

export type SlateChanged = z.output<(typeof slateEvents)["slate.changed"]>;
