/** A line's own voice (the character's), bounded like the voice plugin's config. */
import { z } from "zod";

export const lineVoice = z.object({
  name: z.string().regex(/^[a-z]{2,3}(-[a-z0-9]{1,8})*(\+[a-z0-9]{1,12})?$/i),
  speed: z.number().int().min(80).max(450),
  pitch: z.number().int().min(0).max(99),
});

export type VoiceSpec = z.output<typeof lineVoice>;
