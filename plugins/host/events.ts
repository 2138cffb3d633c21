/**
 * The host's bus events, one zod schema each (validated on emit), types derived
 * and merged into the bus here; mod.ts exports them. Every line said, refused
 * or posted is announced once, with the auction version it was grounded on.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";

export const hostEvents = {
  /** A line to say now (the voice speaks it, the host widget captions it). */
  "host.said": z.object({
    text: z.string().min(1).max(300),
    utteranceId: z.string(),
    version: z.number().int().optional(),
    kind: z.string().optional(),
    source: z.enum(["scripted", "model"]).optional(),
    mood: z.enum(["talking", "excited"]).optional(),
    voice: z.object({ name: z.string(), speed: z.number(), pitch: z.number() }).optional(),
  }),
  /** A line cut short (the facts it spoke of changed). */
  "host.interrupted": z.object({ utteranceId: z.string(), reason: z.string() }),
  /** A line the guard refused, with why: never said, kept for the panel. */
  "host.refused": z.object({
    text: z.string(),
    reason: z.string(),
    version: z.number(),
    source: z.string(),
    kind: z.string(),
  }),
  /** A line handed to X (`queued`: it waits in the outbox). */
  "host.posted": z.object({
    text: z.string(),
    key: z.string(),
    version: z.number(),
    queued: z.boolean(),
    priority: z.string(),
  }),
};

export type HostEvents = EventsOf<typeof hostEvents>;
export type HostSaid = HostEvents["host.said"];
export type HostInterrupted = HostEvents["host.interrupted"];

declare module "../../core/bus.ts" {
  interface Events extends HostEvents {}
}
