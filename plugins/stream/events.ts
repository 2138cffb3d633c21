/**
 * The stream's bus event: `stream.stats`, about once a second, in OBS's terms
 * (active fps, render time, skipped and dropped frames, congestion). Schema
 * validated on emit; the type is derived and merged into the bus here.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";

export const streamEvents = {
  "stream.stats": z.object({
    status: z.enum(["live", "reconnecting", "preview-only", "off"]),
    encoder: z.string().nullable(),
    targetFps: z.number(),
    activeFps: z.number(),
    renderMs: z.object({ avg: z.number(), p95: z.number(), max: z.number() }),
    /** Rendered; late (slots missed); failed (renders that threw); dropped (the encoder side's). */
    frames: z.object({
      rendered: z.number(),
      late: z.number(),
      failed: z.number(),
      dropped: z.number(),
    }),
    /** Encoding speed as a multiple of real time; 0 when not encoding. */
    encoderSpeed: z.number(),
    outputKbps: z.number(),
    restarts: z.number(),
    /** Frames queued for the encoder as a fraction of the queue's limit, 0..1. */
    congestion: z.number().min(0).max(1),
    warnings: z.array(z.string()),
  }),
};

export type StreamEvents = EventsOf<typeof streamEvents>;
export type StreamStats = StreamEvents["stream.stats"];
export type StreamStatus = StreamStats["status"];

declare module "../../core/bus.ts" {
  interface Events extends StreamEvents {}
}
