/**
 * `main.ts preview`: renders one frame of a scene to a PNG, with the sample
 * show's state at a phase (default) or the live state of a running engine
 * (`--from http://127.0.0.1:8000`, which serves `/compositor/frame.png`).
 */
import type { Phase } from "../auction/mod.ts";
import { SAMPLE_MOMENT, sampleEvents } from "../../scenes/sample_state.ts";
import type { PluginCommand } from "../../core/plugin.ts";
import { startStudio } from "./studio.ts";

const PHASES: Phase[] = ["pre-auction", "auction", "post-auction"];
const PHASE_SCENE: Record<Phase, string> = {
  "pre-auction": "pre-auction",
  auction: "live",
  "post-auction": "post-auction",
};

export interface PreviewOptions {
  scene?: string;
  phase?: Phase;
  width?: number;
  height?: number;
}

/** Renders a scene with the sample state; returns the PNG bytes. */
export async function renderPreview(options: PreviewOptions): Promise<Uint8Array> {
  const phase = options.phase ?? "auction";
  const studio = await startStudio({
    config: { width: options.width ?? 1280, height: options.height ?? 720 },
    start: "2026-11-25T19:00:00-05:00",
  });
  try {
    await studio.play(sampleEvents(phase));
    await studio.clock.advanceTo(Temporal.Instant.from(SAMPLE_MOMENT[phase]));
    studio.compositor.show(options.scene ?? PHASE_SCENE[phase], { kind: "cut", ms: 0 });
    studio.compositor.render(0);
    return new Uint8Array(await studio.compositor.canvas.encode("png"));
  } finally {
    await studio.stop();
  }
}

export const previewCommand: PluginCommand = {
  summary: "render a scene to a PNG with sample state (or a running engine's live frame)",
  usage:
    "preview [--scene live] [--phase auction] [--out preview.png] [--width 1280 --height 720] [--from URL]",
  options: {
    scene: { type: "string" },
    phase: { type: "string", default: "auction" },
    out: { type: "string", default: "preview.png" },
    width: { type: "string", default: "1280" },
    height: { type: "string", default: "720" },
    from: { type: "string" },
  },
  // A studio of its own (or a running engine's frame): no database.
  alone: true,
  async run(_ctx, values) {
    const out = values.out as string;
    if (values.from) {
      const url = new URL("/compositor/frame.png", values.from as string);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      await Deno.writeFile(out, new Uint8Array(await response.arrayBuffer()));
      console.log(`wrote ${out} (live frame from ${url.origin})`);
      return 0;
    }
    const phase = values.phase as Phase;
    if (!PHASES.includes(phase)) {
      console.error(`preview: --phase must be one of ${PHASES.join(", ")}`);
      return 2;
    }
    const width = Number(values.width);
    const height = Number(values.height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16) {
      console.error("preview: --width and --height must be whole numbers ≥ 16");
      return 2;
    }
    const png = await renderPreview({
      scene: values.scene as string | undefined,
      phase,
      width,
      height,
    });
    await Deno.writeFile(out, png);
    console.log(
      `wrote ${out} (${values.scene ?? PHASE_SCENE[phase]}, ${phase}, ${width}x${height})`,
    );
    return 0;
  },
};
