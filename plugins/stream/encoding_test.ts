/** Encoder settings per profile: the preset and the bit rate follow the pixel rate, within X's cap. */
import assert from "node:assert/strict";
import { MAX_VIDEO_KBPS, videoKbpsFor, x264PresetFor } from "./encoding.ts";

Deno.test("encoding: 720p30 veryfast 4500k, 1080p30 superfast 6000k, 1080p60 ultrafast 9000k", () => {
  assert.equal(x264PresetFor(1280, 720, 30), "veryfast");
  assert.equal(videoKbpsFor(1280, 720, 30), 4500);
  assert.equal(x264PresetFor(1920, 1080, 30), "superfast");
  assert.equal(videoKbpsFor(1920, 1080, 30), 6000);
  assert.equal(x264PresetFor(1920, 1080, 60), "ultrafast");
  assert.equal(videoKbpsFor(1920, 1080, 60), 9000);
});

Deno.test("encoding: the bit rate never passes X's 12 Mbps, whatever the size", () => {
  assert.ok(videoKbpsFor(3840, 2160, 60) <= MAX_VIDEO_KBPS);
  assert.equal(x264PresetFor(3840, 2160, 60), "ultrafast");
});
