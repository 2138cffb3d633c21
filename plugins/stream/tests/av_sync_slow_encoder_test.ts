/**
 * A/V sync when the encoder is slower than real time: the sink repeats at most
 * a second of frames over a gap, so a longer gap (what a slow encoder's full
 * queue makes) skips time on the video track; the audio must skip the same
 * time. Real ffmpeg (libx264 + aac into FLV), the real test signal and pump,
 * read back with ffmpeg: every flash after a 3.5 s gap still has its beep
 * within 40 ms (before the audio was paced by the video, audio ran 2.5 s late
 * after it, and kept every such loss for the rest of the show).
 */
import assert from "node:assert/strict";
import { createLog } from "../../../core/log.ts";
import { commandWorks, serviceAvailable, tempDir } from "../../../tests/services.ts";
import { audioPump } from "../audio_pump.ts";
import { readAvOffsets } from "../av_offset.ts";
import { ffmpegArgs } from "../ffmpeg_args.ts";
import { ffmpegSink } from "../ffmpeg_sink.ts";
import { testSignal } from "../test_signal.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg"));

Deno.test({
  name: "av sync: a gap longer than the repeats (an encoder behind) skips the same time of audio",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const width = 320, height = 180, fps = 30, everySeconds = 3;
    const dir = tempDir();
    const file = `${dir.path}/program.flv`;
    // Slot 0 1.5 s before a mark: the marks fall at 1.5, 4.5 (lost in the gap), 7.5, 10.5 and
    // 13.5 s, none across an edge of the gap (a signal cut by an edge is a shorter beep).
    const period = everySeconds * 1000;
    let t0 = (Math.floor(performance.now() / period) + 1) * period - 1500;
    if (t0 < performance.now() + 100) t0 += period;
    const slotTime = (i: number) => t0 + (i * 1000) / fps;
    const pump = audioPump({ sampleRate: 48000, channels: 1, read: (n) => new Int16Array(n) });
    const sink = ffmpegSink({
      ffmpeg: "ffmpeg",
      args: (audioSocket) =>
        ffmpegArgs({
          width,
          height,
          fps,
          encoder: "libx264",
          preset: "ultrafast",
          videoKbps: 2500,
          audioKbps: 128,
          keyframeSeconds: 3,
          audioSocket,
          outputUrl: file,
        }),
      width,
      height,
      fps,
      audio: pump,
      log: createLog("test", { write: () => {} }),
      queueLimit: 15,
      signal: testSignal(everySeconds, fps, slotTime),
      slotTime,
      audioRate: 48000,
    });
    const black = new Uint8Array(width * height * 4);
    const gap = [3 * fps, Math.round(6.5 * fps)]; // slots that never reach the sink
    try {
      for (let i = 0; i < 14 * fps; i++) {
        const wait = slotTime(i) - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (i >= gap[0] && i < gap[1]) continue;
        sink.sink.push({ rgba: black, index: i }, i);
      }
    } finally {
      await sink.stop();
      pump.stop();
    }
    try {
      const r = await readAvOffsets(file);
      console.log(
        `flash (s) / offset (audio − video, ms): ${
          r.signals.map((s) => `${s.videoS.toFixed(2)}/${s.offsetMs}`).join(", ")
        }; ${r.flashes} flashes, ${r.beeps} beeps`,
      );
      // 14 s of slots with 2.5 s skipped: 11.5 s on the track, a signal every 3 s.
      assert.ok(r.flashes >= 3, `${r.flashes} flashes`);
      assert.equal(r.signals.length, r.flashes, "a flash without its beep");
      assert.equal(r.beeps, r.flashes, "a beep without its flash");
      assert.ok(r.signals.some((s) => s.videoS > gap[0] / fps), "no signal after the gap");
      for (const s of r.signals) assert.ok(Math.abs(s.offsetMs) <= 40, `${s.offsetMs} ms`);
    } finally {
      dir.remove();
    }
  },
});
