/**
 * The host's events: `host.said` (a line to say, caption and voice, with the
 * auction version it was grounded on), `host.interrupted` (a line withdrawn:
 * a fact in it changed), `host.refused` (a line the guard refused, with why)
 * and `host.posted`. Invariant: the host plugin owns them; the voice and the
 * widget only listen.
 */
import { z } from "zod";
import type { Bus } from "../../core/bus.ts";

declare module "../../core/bus.ts" {
  interface Events {
    "host.said": {
      text: string;
      utteranceId: string;
      version?: number;
      kind?: string;
      source?: "scripted" | "model";
      mood?: "talking" | "excited";
      voice?: { name: string; speed: number; pitch: number };
    };
    "host.interrupted": { utteranceId: string; reason: string };
    "host.refused": { text: string; reason: string; version: number; source: string; kind: string };
    "host.posted": {
      text: string;
      key: string;
      version: number;
      queued: boolean;
      priority: string;
    };
  }
}

/** Declares the events others act on, with their schemas. */
export function declareHostEvents(bus: Bus) {
  bus.declare(
    "host.said",
    z.object({
      text: z.string().min(1).max(300),
      utteranceId: z.string(),
      version: z.number().int().optional(),
    }),
  );
  bus.declare("host.interrupted", z.object({ utteranceId: z.string(), reason: z.string() }));
}
