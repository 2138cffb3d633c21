/**
 * The host's lines, spoken in the order said: each `host.said` is synthesized one at a
 * time (in the line's own voice when it brings a valid one, else the configured voice) and
 * queued on the mixer; a line cut (`host.interrupted`) before its speech is ready is never
 * played, and speech beyond `maxQueueSeconds` waiting is not queued.
 */
import type { PluginContext } from "../../core/plugin.ts";
import { serialQueue } from "../../core/serial_queue.ts";
import { SAMPLE_RATE, speech } from "./speech.ts";
import type { VoiceMixer } from "./voice_mixer.ts";
import { lineVoice } from "./line_voice.ts";
// Types only: `host.said` and `host.interrupted` are the host plugin's events.
import type {} from "../host/mod.ts";

export interface SpeakerOptions {
  espeakPath: string;
  voice: string;
  wordsPerMinute: number;
  pitch: number;
  maxQueueSeconds: number;
}

/** Speaks the bus's lines on `mixer`; returns the teardown (waits for the line in synthesis). */
export function speakLines(
  { bus, log }: Pick<PluginContext, "bus" | "log">,
  mixer: VoiceMixer,
  config: SpeakerOptions,
): () => Promise<void> {
  const utterances = serialQueue();
  let stopped = false;
  const cutIds: string[] = [];
  const cut = bus.on("host.interrupted", ({ payload }) => {
    cutIds.push(payload.utteranceId);
    if (cutIds.length > 64) cutIds.shift();
    mixer.cut(payload.utteranceId);
  });
  const off = bus.on("host.said", ({ payload }) => {
    const own = lineVoice.safeParse(payload.voice);
    utterances.run(async () => {
      if (stopped) return;
      if (mixer.queued() > config.maxQueueSeconds * SAMPLE_RATE) {
        log.warn("voice queue full; utterance not spoken", { utteranceId: payload.utteranceId });
        return;
      }
      try {
        const pcm = await speech(payload.text, {
          espeak: config.espeakPath,
          voice: own.success ? own.data.name : config.voice,
          wordsPerMinute: own.success ? own.data.speed : config.wordsPerMinute,
          pitch: own.success ? own.data.pitch : config.pitch,
        });
        if (!cutIds.includes(payload.utteranceId)) {
          mixer.enqueue({ utteranceId: payload.utteranceId, pcm });
        }
      } catch (error) {
        log.error("speech synthesis failed", { utteranceId: payload.utteranceId, error });
      }
    });
  });
  return async () => {
    stopped = true;
    off();
    cut();
    await utterances.drained();
  };
}
