/**
 * The sink against a stand-in "encoder" that never reads its input (`sleep`):
 * the frame loop keeps its rate, frames beyond the queue are dropped and
 * counted, and the stall watchdog restarts the run.
 */
import assert from "node:assert/strict";
import { createFrameLoop } from "../../core/frame_loop.ts";
import { createLog } from "../../core/log.ts";
import type { Frame } from "../compositor/mod.ts";
import { audioPump } from "./audio_pump.ts";
import { backoff } from "./backoff.ts";
import { ffmpegSink } from "./ffmpeg_sink.ts";

Deno.test({
  name: "ffmpegSink: a stuck encoder drops and counts frames, never slows the loop, is restarted",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const width = 640, height = 360, fps = 30;
    const rgba = new Uint8Array(width * height * 4);
    const loop = createFrameLoop<Frame>({ fps, render: (index) => ({ rgba, index }) });
    const pump = audioPump({ sampleRate: 48000, channels: 1, read: (n) => new Int16Array(n) });
    const logs: string[] = [];
    const sink = ffmpegSink({
      ffmpeg: "sleep",
      args: () => ["30"],
      width,
      height,
      fps,
      audio: pump,
      log: createLog("test", { write: (l) => logs.push(l) }),
      queueLimit: 3,
      stallMs: 1500,
      backoff: backoff({ firstMs: 100 }),
    });
    loop.addSink(sink.sink);
    loop.start();
    await new Promise((r) => setTimeout(r, 3500));
    const stats = loop.stats();
    loop.stop();
    await sink.stop();
    pump.stop();
    assert(stats.activeFps >= 28, `loop at ${stats.activeFps} fps`);
    // ~105 frames rendered over two runs. A run keeps at most its queue (3), the frame in the
    // widened 1 MiB pipe and the one half-written behind it; the few frames between a kill and
    // the restart find no run. All the others are dropped and counted.
    assert(stats.dropped >= stats.rendered - 18, `${stats.dropped} of ${stats.rendered} dropped`);
    assert.deepEqual(sink.sink.depth().limit, 3);
    assert(sink.restarts() >= 1, "the stalled run was not restarted");
    assert(logs.some((l) => l.includes("stalled")));
    assert.equal(sink.live(), false);
  },
});

Deno.test({
  name: "ffmpegSink: frames lent until the next render reach the encoder whole and in order",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const width = 320, height = 180, fps = 30, frameBytes = width * height * 4;
    const dir = Deno.makeTempDirSync();
    const out = `${dir}/video.raw`;
    // Like the compositor: each frame is fresh bytes, detached when the next one is rendered.
    let lent: Uint8Array<ArrayBuffer> | undefined;
    const loop = createFrameLoop<Frame>({
      fps,
      render: (index) => {
        lent?.buffer.transfer(0);
        lent = new Uint8Array(frameBytes).fill(index % 256);
        return { rgba: lent, index };
      },
    });
    const pump = audioPump({ sampleRate: 48000, channels: 1, read: (n) => new Int16Array(n) });
    const sink = ffmpegSink({
      ffmpeg: "sh",
      // An encoder that starts late: frames wait in the queue while the pipe is full.
      args: () => ["-c", `sleep 0.3; exec cat > ${out}`],
      width,
      height,
      fps,
      audio: pump,
      log: createLog("test", { write: (l) => logs.push(l) }),
    });
    const logs: string[] = [];
    loop.addSink(sink.sink);
    loop.start();
    await new Promise((r) => setTimeout(r, 1000));
    loop.stop();
    await sink.stop();
    pump.stop();
    const bytes = Deno.readFileSync(out);
    Deno.removeSync(dir, { recursive: true });
    const rendered = loop.stats().rendered;
    assert.equal(bytes.length % frameBytes, 0);
    const values = Array.from({ length: bytes.length / frameBytes }, (_, i) => {
      const frame = bytes.subarray(i * frameBytes, (i + 1) * frameBytes);
      assert(frame.every((b) => b === frame[0]), `frame ${i} is torn`);
      return frame[0];
    });
    assert.deepEqual(logs.filter((l) => l.includes("wrong size")), []);
    assert(sink.sink.dropped() > 0, "the queue never filled");
    // Skipped slots repeat the frame before them, so every slot up to the last is there.
    assert(values.length >= rendered - 4, `${values.length} frames written of ${rendered}`);
    assert(values.every((v, i) => i === 0 || v >= values[i - 1]), `out of order: ${values}`);
  },
});

Deno.test({
  name: "ffmpegSink: a gap (dropped or late slots) repeats the frame before it, not the one after",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const width = 16, height = 8, fps = 30, frameBytes = width * height * 4;
    const dir = Deno.makeTempDirSync();
    const out = `${dir}/video.raw`;
    const pump = audioPump({ sampleRate: 48000, channels: 1, read: (n) => new Int16Array(n) });
    const sink = ffmpegSink({
      ffmpeg: "sh",
      args: () => ["-c", `exec cat > ${out}`],
      width,
      height,
      fps,
      audio: pump,
      log: createLog("test", { write: () => {} }),
    });
    const queued = sink.sink as typeof sink.sink & { drained(): Promise<void> };
    // The run exists once the shell has opened its output.
    for (let i = 0; i < 100 && !exists(out); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const index of [0, 1, 2, 6, 7]) {
      queued.push({ rgba: new Uint8Array(frameBytes).fill(index), index }, index);
      await queued.drained();
    }
    await sink.stop();
    pump.stop();
    const bytes = Deno.readFileSync(out);
    Deno.removeSync(dir, { recursive: true });
    const values = Array.from(
      { length: bytes.length / frameBytes },
      (_, i) => bytes[i * frameBytes],
    );
    assert.deepEqual(values, [0, 1, 2, 2, 2, 2, 6, 7]);
  },
});

Deno.test({
  name: "ffmpegSink: the test signal is drawn on its slot, even when that slot's frame was dropped",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const width = 16, height = 8, fps = 30, frameBytes = width * height * 4;
    const dir = Deno.makeTempDirSync();
    const out = `${dir}/video.raw`;
    const pump = audioPump({ sampleRate: 48000, channels: 1, read: (n) => new Int16Array(n) });
    const sink = ffmpegSink({
      ffmpeg: "sh",
      args: () => ["-c", `exec cat > ${out}`],
      width,
      height,
      fps,
      audio: pump,
      log: createLog("test", { write: () => {} }),
      // Slot 4 flashes; its frame never comes (dropped), the repeat of frame 2 carries it.
      signal: {
        frame: () => false,
        flashes: (i) => i === 4,
        flash: (rgba) => rgba.fill(255),
        mix: () => {},
      },
    });
    const queued = sink.sink as typeof sink.sink & { drained(): Promise<void> };
    // The run exists once the shell has opened its output.
    for (let i = 0; i < 100 && !exists(out); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const index of [0, 1, 2, 6]) {
      queued.push({ rgba: new Uint8Array(frameBytes).fill(index), index }, index);
      await queued.drained();
    }
    await sink.stop();
    pump.stop();
    const bytes = Deno.readFileSync(out);
    Deno.removeSync(dir, { recursive: true });
    const values = Array.from(
      { length: bytes.length / frameBytes },
      (_, i) => bytes[i * frameBytes],
    );
    assert.deepEqual(values, [0, 1, 2, 2, 255, 2, 6]);
  },
});

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
