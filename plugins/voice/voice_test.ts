import assert from "node:assert/strict";
import { testEngine } from "../../tests/engine.ts";
import { commandWorks, serviceAvailable } from "../../tests/services.ts";
import type { Audio } from "./mod.ts";
import { resample } from "./resample.ts";
import { readWav } from "./speech.ts";
import { voiceMixer } from "./voice_mixer.ts";

const espeak = await serviceAvailable("espeak-ng", () => commandWorks("espeak-ng", ["--version"]));

Deno.test({
  name: "voice: host.said is heard in the audio, with speaking levels while it plays",
  ignore: !espeak,
  async fn() {
    const engine = await testEngine({ plugins: { voice: {} } });
    try {
      const audio = engine.service<Audio>("audio");
      assert.equal(audio.sampleRate, 48000);
      const levels: Array<{ utteranceId: string; level: number }> = [];
      engine.bus.on("host.speaking", (e) => void levels.push(e.payload));
      // Silence before anything is said: the track is always present.
      assert.deepEqual(audio.read(960), new Int16Array(960));

      engine.bus.emit("host.said", { text: "The bid is two ether.", utteranceId: "u7" });
      let heard = 0;
      let loud = 0;
      // Pull 20 ms at a time, as the stream's pump does, until the utterance ends.
      for (let i = 0; i < 1000 && !levels.some((l) => l.level === 0); i++) {
        const chunk = audio.read(960);
        assert.equal(chunk.length, 960);
        if (chunk.some((s) => s !== 0)) heard += chunk.length;
        loud = Math.max(loud, ...chunk.map(Math.abs));
        await new Promise((r) => setTimeout(r, 5));
      }
      assert(heard > 0.5 * 48000, `only ${heard} samples of speech`);
      assert(loud > 3000, `peak ${loud}`);
      assert(levels.length > 15, `${levels.length} levels`);
      assert(levels.every((l) => l.utteranceId === "u7" && l.level >= 0 && l.level <= 1));
      assert(Math.max(...levels.map((l) => l.level)) > 0.2);
      assert.equal(levels.at(-1)!.level, 0);
      assert.deepEqual(audio.read(960), new Int16Array(960));
    } finally {
      await engine.stop();
    }
  },
});

Deno.test("voiceMixer: utterances play in order over silence; a level window is 1/30 s", () => {
  const levels: Array<[string, number]> = [];
  const mixer = voiceMixer({ sampleRate: 48000, onLevel: (id, l) => levels.push([id, l]) });
  mixer.enqueue({ utteranceId: "a", pcm: new Int16Array(2000).fill(8192) });
  mixer.enqueue({ utteranceId: "b", pcm: new Int16Array(100).fill(-100) });
  const out = mixer.read(2500);
  assert.equal(out[0], 8192);
  assert.equal(out[1999], 8192);
  assert.equal(out[2000], -100);
  assert.equal(out[2100], 0);
  assert.deepEqual(levels, [["a", 1], ["a", 0], ["b", 0]]);
  assert.equal(mixer.queued(), 0);
});

Deno.test("resample: 22050 to 48000 keeps duration and interpolates", () => {
  const input = Int16Array.from({ length: 22050 }, (_, i) => (i % 2 ? 1000 : 0));
  const out = resample(input, 22050, 48000);
  assert.equal(out.length, 48000);
  assert.equal(out[0], 0);
  assert(out.every((s) => s >= 0 && s <= 1000));
  assert.deepEqual(
    resample(Int16Array.of(0, 100), 1, 4),
    Int16Array.of(0, 25, 50, 75, 100, 100, 100, 100),
  );
});

Deno.test("readWav: espeak-ng's streamed WAV (sizes unknown) reads to the end", () => {
  const header = new Uint8Array(44);
  const v = new DataView(header.buffer);
  header.set(new TextEncoder().encode("RIFF"), 0);
  v.setUint32(4, 0x7ffff024, true);
  header.set(new TextEncoder().encode("WAVEfmt "), 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, 22050, true);
  v.setUint32(28, 44100, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  header.set(new TextEncoder().encode("data"), 36);
  v.setUint32(40, 0x7ffff000, true);
  const bytes = new Uint8Array(48);
  bytes.set(header);
  new DataView(bytes.buffer).setInt16(44, -2, true);
  new DataView(bytes.buffer).setInt16(46, 300, true);
  const { rate, pcm } = readWav(bytes);
  assert.equal(rate, 22050);
  assert.deepEqual(pcm, Int16Array.of(-2, 300));
});
