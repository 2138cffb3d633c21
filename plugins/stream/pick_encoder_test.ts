import assert from "node:assert/strict";
import { pickEncoder } from "./pick_encoder.ts";

/** A stand-in ffmpeg: lists `encoders`, and exits `probeExit` on any other command. */
async function fakeFfmpeg(encoders: string, probeExit: number): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "fake-ffmpeg-" });
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\ncase "$*" in *-encoders*) echo "${encoders}"; exit 0;; esac\nexit ${probeExit}\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("pickEncoder: nvenc only when listed and the probe encode works", async () => {
  const cases: Array<[string, number, string]> = [
    [" V....D h264_nvenc NVIDIA NVENC H.264 encoder", 0, "h264_nvenc"],
    [" V....D h264_nvenc NVIDIA NVENC H.264 encoder", 1, "libx264"], // listed, no GPU
    [" V....D libx264 libx264 H.264", 0, "libx264"],
  ];
  for (const [listing, exit, expected] of cases) {
    const path = await fakeFfmpeg(listing, exit);
    try {
      assert.equal(await pickEncoder(path), expected, listing);
    } finally {
      await Deno.remove(path);
    }
  }
  assert.equal(await pickEncoder("/nonexistent/ffmpeg"), "libx264");
  assert.equal(await pickEncoder("/nonexistent/ffmpeg", "h264_nvenc"), "h264_nvenc");
});
