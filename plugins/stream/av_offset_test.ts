/**
 * readAvOffsets on recordings made here by ffmpeg, FLV with libx264/aac as nginx keeps them:
 * a white corner and a 1 kHz beep for 100 ms every 2 s, the recording starting at a chosen
 * point of the signal, the audio shifted by a chosen delay. A signal cut by the recording's
 * start (a run that began mid-signal) is left out, not timed late; a whole one just after the
 * start is kept; a real offset is read as itself, either way.
 */
import assert from "node:assert/strict";
import { commandWorks, serviceAvailable, tempDir } from "../../tests/services.ts";
import { readAvOffsets } from "./av_offset.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("ffprobe", () => commandWorks("ffprobe"));

/**
 * 7 s at 30 fps whose first frame is `intoFrames` frames (and 1 ms) after a signal's start:
 * each signal starts 1 ms before a frame, as the sink's start on its slot; the audio
 * `audioLateS` behind the picture. Both tracks carry the encoders' own start (FLV: ~21 ms),
 * so times are compared with each other.
 */
async function recording(dir: string, intoFrames: number, audioLateS = 0): Promise<string> {
  const path = `${dir}/${intoFrames}_${audioLateS}.flv`;
  const intoS = intoFrames / 30 + 0.001;
  const on = (shiftS: number) => `lt(mod(t+${intoS - shiftS},2),0.1)`;
  const r = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi"],
      "-i",
      `color=c=black:s=640x360:r=30:d=7,` +
      `drawbox=x=0:y=0:w=16:h=16:color=white:t=fill:enable='${on(0)}'`,
      "-f",
      "lavfi",
      "-i",
      `aevalsrc='if(${on(audioLateS)},0.49*sin(2*PI*1000*t),0)':s=48000:d=7`,
      ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
      path,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return path;
}

const gaps = (videoS: number[]) => videoS.slice(1).map((t, i) => t - videoS[i]);

Deno.test({
  name: "readAvOffsets: a signal cut by the recording's start is left out, the whole ones read",
  ignore: !ready,
  async fn() {
    const dir = tempDir();
    try {
      // Into a signal's third frame: that frame and 33 ms of its beep are recorded. Timed, it
      // read 1.933 s before the next one (the CI failure); the 3 whole ones follow.
      const cut = await readAvOffsets(await recording(dir.path, 2));
      assert.deepEqual([cut.flashes, cut.beeps, cut.signals.length], [3, 3, 3]);
      assert.ok(cut.signals[0].videoS > 1.9, `${cut.signals[0].videoS} s`);
      for (const g of gaps(cut.signals.map((s) => s.videoS))) {
        assert.ok(Math.abs(g - 2) < 0.002, `${g} s`);
      }
      for (const s of cut.signals) assert.ok(Math.abs(s.offsetMs) <= 5, `${s.offsetMs} ms`);
      // A signal starting at the recording's third frame is whole, and read.
      const whole = await readAvOffsets(await recording(dir.path, 58));
      assert.deepEqual([whole.flashes, whole.beeps, whole.signals.length], [4, 4, 4]);
      assert.ok(whole.signals[0].videoS < 0.1, `${whole.signals[0].videoS} s`);
      for (const s of whole.signals) assert.ok(Math.abs(s.offsetMs) <= 5, `${s.offsetMs} ms`);
    } finally {
      dir.remove();
    }
  },
});

Deno.test({
  name: "readAvOffsets: audio 100 ms behind or ahead reads as +100 or −100 ms",
  ignore: !ready,
  async fn() {
    const dir = tempDir();
    try {
      for (const lateS of [0.1, -0.1]) {
        // Also when the recording starts inside a signal: the cut one does not hide the offset.
        for (const intoFrames of [15, 2]) {
          const r = await readAvOffsets(await recording(dir.path, intoFrames, lateS));
          assert.ok(r.signals.length >= 3, `${r.signals.length} paired`);
          for (const s of r.signals) {
            assert.ok(
              Math.abs(s.offsetMs - lateS * 1000) <= 5,
              `${s.offsetMs} ms, ${lateS} s late`,
            );
          }
        }
      }
    } finally {
      dir.remove();
    }
  },
});
