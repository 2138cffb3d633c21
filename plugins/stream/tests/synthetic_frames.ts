/**
 * A stand-in compositor for stream tests: provides `frames` with a frame loop
 * that shows a moving bar (so the encoder has motion), from a few pre-drawn
 * buffers so the test machine's CPU goes to the encoder.
 */
import { z } from "zod";
import { createFrameLoop } from "../../../core/frame_loop.ts";
import { definePlugin } from "../../../core/plugin.ts";
import type { Frame } from "../../compositor/mod.ts";

export default definePlugin({
  name: "synthetic-frames",
  config: z.object({
    width: z.number().int().default(1280),
    height: z.number().int().default(720),
    fps: z.number().int().default(30),
  }),
  provides: ["frames"],
  setup({ config, provide }) {
    const { width, height, fps } = config;
    const buffers = Array.from({ length: fps }, (_, i) => drawBar(width, height, i / fps));
    const loop = createFrameLoop<Frame>({
      fps,
      render: (index) => ({ rgba: buffers[index % buffers.length], index }),
    });
    provide("frames", { width, height, fps, loop });
    loop.start();
    return () => loop.stop();
  },
});

function drawBar(width: number, height: number, phase: number): Uint8Array {
  const pixels = new Uint32Array(width * height).fill(0xff402010); // ABGR: dark blue
  const x0 = Math.floor(phase * (width - 80));
  for (let y = 0; y < height; y++) pixels.fill(0xff30c0f0, y * width + x0, y * width + x0 + 80);
  return new Uint8Array(pixels.buffer);
}
