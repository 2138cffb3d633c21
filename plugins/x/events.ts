/**
 * The x plugin's newer bus events, one zod schema each, types derived (its
 * older events are still declared in mod.ts). Merged into the bus catalogue
 * in mod.ts.
 */
import { z } from "zod";

export const xEvents = {
  /** How to bid, as the stream's ticker shows it: the grammar, with the facts from config. */
  "help.published": z.object({
    lines: z.array(z.string().min(1)).min(1),
    hostHandle: z.string().startsWith("@"),
    linkUrl: z.string().url(),
  }),
  /** X refused a post for good (or every wording of it was a duplicate): it will not go out. */
  "x.post-failed": z.object({
    key: z.string(),
    kind: z.string(),
    reason: z.string().max(500),
  }),
};

export type XEvents = {
  [K in keyof typeof xEvents]: z.output<typeof xEvents[K]>;
};
