import assert from "node:assert/strict";
import { ffmpegArgs, type FfmpegArgsOptions, maskedUrl } from "./ffmpeg_args.ts";

const base: FfmpegArgsOptions = {
  width: 1280,
  height: 720,
  fps: 30,
  encoder: "libx264",
  videoKbps: 4500,
  audioKbps: 128,
  keyframeSeconds: 3,
  audioSocket: "/tmp/a.sock",
  outputUrl: "rtmp://ingest.example/app/KEY",
};

/** The value after each occurrence of `flag`. */
const after = (args: string[], flag: string) =>
  args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

Deno.test("ffmpegArgs: both raw inputs probe tiny, no -re, x264 zerolatency CBR, gop of 3 s", () => {
  const args = ffmpegArgs(base);
  assert.deepEqual(after(args, "-probesize"), ["32", "32"]);
  assert.deepEqual(after(args, "-analyzeduration"), ["0", "0"]);
  assert.deepEqual(after(args, "-i"), ["pipe:0", "unix:/tmp/a.sock"]);
  assert(!args.includes("-re"));
  assert.deepEqual(after(args, "-c:v"), ["libx264"]);
  assert.deepEqual(after(args, "-preset"), ["veryfast"]);
  assert.deepEqual(after(args, "-tune"), ["zerolatency"]);
  assert.deepEqual(after(args, "-pix_fmt"), ["rgba", "yuv420p"]);
  for (const flag of ["-b:v", "-minrate", "-maxrate"]) {
    assert.deepEqual(after(args, flag), ["4500k"]);
  }
  assert.deepEqual(after(args, "-g"), ["90"]);
  assert.deepEqual(after(args, "-keyint_min"), ["90"]);
  assert.deepEqual(after(args, "-b:a"), ["128k"]);
  assert.deepEqual(after(args, "-c:a"), ["aac"]);
  assert.deepEqual(args.slice(-3), ["-f", "flv", "rtmp://ingest.example/app/KEY"]);
});

Deno.test("ffmpegArgs: nvenc in CBR; 60 fps keeps 3 s between keyframes", () => {
  const args = ffmpegArgs({ ...base, encoder: "h264_nvenc", fps: 60 });
  assert.deepEqual(after(args, "-c:v"), ["h264_nvenc"]);
  assert.deepEqual(after(args, "-rc"), ["cbr"]);
  assert.deepEqual(after(args, "-g"), ["180"]);
});

Deno.test("ffmpegArgs: the recording tees MP4 segments; the ingest failing still fails the run", () => {
  const recording = { dir: "/data/stream/recordings", segmentSeconds: 300 };
  const args = ffmpegArgs({ ...base, recording });
  const tee = args.at(-1)!;
  assert.deepEqual(args.slice(-3, -1), ["-f", "tee"]);
  assert.match(tee, /^\[f=flv:onfail=abort\]rtmp:\/\/ingest\.example\/app\/KEY\|/);
  assert.ok(
    tee.endsWith(
      "|[f=segment:segment_time=300:segment_format=mp4:reset_timestamps=1:strftime=1:" +
        "segment_format_options=movflags\\=+frag_keyframe+empty_moov+default_base_moof:" +
        "onfail=ignore]/data/stream/recordings/program-%Y%m%d-%H%M%S.mp4",
    ),
    tee,
  );
  const alone = ffmpegArgs({ ...base, outputUrl: undefined, recording });
  assert.deepEqual(alone.slice(-3), [
    "-segment_format_options",
    "movflags=+frag_keyframe+empty_moov+default_base_moof",
    "/data/stream/recordings/program-%Y%m%d-%H%M%S.mp4",
  ]);
  assert.deepEqual(after(alone, "-segment_time"), ["300"]);
});

Deno.test("maskedUrl hides the key", () => {
  assert.equal(maskedUrl("rtmp://x/app/SECRETKEY", "SECRETKEY"), "rtmp://x/app/****");
});

Deno.test("ffmpegArgs: the x264 preset given is the one used; NVENC keeps its own", () => {
  assert.deepEqual(after(ffmpegArgs({ ...base, preset: "superfast" }), "-preset"), ["superfast"]);
  assert.deepEqual(
    after(ffmpegArgs({ ...base, encoder: "h264_nvenc", preset: "superfast" }), "-preset"),
    ["p4"],
  );
});
