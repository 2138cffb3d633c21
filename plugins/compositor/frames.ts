/**
 * The `frames` service contract: what the compositor hands to frame sinks
 * (the ffmpeg sink, previews). Type-only; sinks import it from `mod.ts`.
 */
import type { FrameLoop } from "../../core/frame_loop.ts";

/** One rendered frame. */
export interface Frame {
  /**
   * width*height*4 bytes, straight (non-premultiplied) RGBA, rows top to bottom.
   * Lent until the next frame is rendered, then detached (length 0): a sink that
   * keeps a frame past `push` copies it (see `queuedSink`'s `keep`).
   */
  rgba: Uint8Array;
  /** The frame loop's slot index (monotonic; gaps mean late slots were skipped). */
  index: number;
}

/** The compositor's frame loop and its geometry. */
export interface Frames {
  width: number;
  height: number;
  fps: number;
  loop: FrameLoop<Frame>;
}
