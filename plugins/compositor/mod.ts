/**
 * compositor: loads scenes, owns the frame loop, renders widgets into quadrants
 * with @napi-rs/canvas and provides the `frames` service to sinks.
 */
import type { Frame, Frames } from "./frames.ts";

export type { Frame, Frames };

declare module "../../core/plugin.ts" {
  interface Services {
    frames: Frames;
  }
}
