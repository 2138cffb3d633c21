/**
 * The voice's bus event: `host.speaking`, the loudness of the line being spoken
 * (0..1, about 30 a second, then 0), for the host widget's mouth. Schema
 * validated on emit; the type is derived and merged into the bus here.
 */
import { z } from "zod";
import type { EventsOf } from "../../core/bus.ts";

export const voiceEvents = {
  "host.speaking": z.object({ utteranceId: z.string(), level: z.number().min(0).max(1) }),
};

export type VoiceEvents = EventsOf<typeof voiceEvents>;
export type HostSpeaking = VoiceEvents["host.speaking"];

declare module "../../core/bus.ts" {
  interface Events extends VoiceEvents {}
}
