/**
 * voice: the host's voice. Speaks every `host.said` with espeak-ng, resampled
 * to 48 kHz, and provides the `audio` service: speech mixed over silence,
 * pulled at real time by the stream's audio pump. While it plays it emits
 * `host.speaking { utteranceId, level }` (0..1, about 30 a second, then 0).
 * Without espeak-ng the host is silent (said once in the log) and the audio
 * track stays present as silence. It also provides `speech`: a line spoken in
 * a voice as a WAV file, off air (the studio's "hear a test line"); never mixed
 * into the program audio.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { SAMPLE_RATE, speech, writeWav } from "./speech.ts";
import { voiceMixer } from "./voice_mixer.ts";
import { voiceEvents } from "./events.ts";
import { lineVoice, type VoiceSpec } from "./line_voice.ts";
import { speakLines } from "./speaker.ts";

export type { HostSpeaking, VoiceEvents } from "./events.ts";
export type { VoiceSpec };

/** The host's audio: 16-bit mono PCM at 48 kHz. */
export interface Audio {
  sampleRate: 48000;
  channels: 1;
  /** The next `samples` samples: speech mixed over silence. */
  read(samples: number): Int16Array;
}

/** Off-air synthesis: the voice the show would speak `text` in, as a 48 kHz WAV file. */
export interface Speech {
  /** Null when espeak-ng is not there (the host would be silent). */
  wav(text: string, voice: VoiceSpec): Promise<Uint8Array<ArrayBuffer> | null>;
}

declare module "../../core/plugin.ts" {
  interface Services {
    audio: Audio;
    speech: Speech;
  }
}

export default definePlugin({
  name: "voice",
  events: voiceEvents,
  emits: ["host.speaking"],
  listens: ["host.said", "host.interrupted"],
  config: z.object({
    espeakPath: z.string().default("espeak-ng"),
    /** An espeak-ng voice name (`espeak-ng --voices`). */
    voice: z.string().default("en-us"),
    wordsPerMinute: z.number().int().min(80).max(450).default(165),
    pitch: z.number().int().min(0).max(99).default(45),
    gain: z.number().min(0).max(4).default(1),
    /** Speech waiting to be played beyond this many seconds is not queued. */
    maxQueueSeconds: z.number().positive().default(60),
  }),
  provides: ["audio", "speech"],
  check: async ({ config }) => [
    await canSpeak(config.espeakPath)
      ? { status: "ok", text: `${config.espeakPath} speaks` }
      : { status: "problem", text: `${config.espeakPath} not found: the host would be silent` },
  ],
  async setup({ config, bus, log, provide }) {
    const mixer = voiceMixer({
      sampleRate: SAMPLE_RATE,
      gain: config.gain,
      onLevel: (utteranceId, level) => bus.emit("host.speaking", { utteranceId, level }),
    });
    provide("audio", {
      sampleRate: SAMPLE_RATE,
      channels: 1,
      read: (samples) => mixer.read(samples),
    });

    const speaks = await canSpeak(config.espeakPath);
    provide("speech", {
      async wav(text, voice) {
        if (!speaks) return null;
        const v = lineVoice.parse(voice);
        const pcm = await speech(text, {
          espeak: config.espeakPath,
          voice: v.name,
          wordsPerMinute: v.speed,
          pitch: v.pitch,
        });
        return writeWav(pcm, SAMPLE_RATE);
      },
    });
    if (!speaks) {
      log.warn(`espeak-ng not found (${config.espeakPath}): the host is SILENT`);
      return;
    }
    return speakLines({ bus, log }, mixer, config);
  },
});

async function canSpeak(espeak: string): Promise<boolean> {
  try {
    return (await new Deno.Command(espeak, { args: ["--version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}
