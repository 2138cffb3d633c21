/**
 * Event to pixel: the real frame loop at 30 fps; `bid.accepted` events fire
 * at random moments between frames; for each, count the frames rendered from
 * the event up to the first one whose bid-feed box shows it (1 = the very next
 * frame), and the milliseconds. The show's clock stands still, so only the
 * event can change the feed.
 *
 *   deno run -A plugins/compositor/bench/event_to_pixel.ts [events=60]
 */
import { parseEther } from "viem";
import type { FrameSink } from "../../../core/frame_loop.ts";
import { SAMPLE_MOMENT, sampleEvents } from "../../../scenes/sample_state.ts";
import type { Frame } from "../frames.ts";
import { startStudio } from "../studio.ts";
import { diffRatio } from "../tests/pixels.ts";
import { fmt, summarize } from "./stats.ts";

const FEED = { x: 652, y: 476, width: 616, height: 178 };

export async function benchEventToPixel(events: number) {
  const studio = await startStudio({ config: { fps: 30 } });
  try {
    await studio.play(sampleEvents("auction"));
    await studio.clock.advanceTo(Temporal.Instant.from(SAMPLE_MOMENT.auction));
    studio.compositor.show("live", { kind: "cut", ms: 0 });
    const { width, height } = studio.frames;
    let rendered = 0;
    let previous: Uint8Array | undefined;
    let waiting: { ordinal: number; at: number } | undefined;
    const frames: number[] = [];
    const millis: number[] = [];
    const sink: FrameSink<Frame> = {
      name: "probe",
      push(frame) {
        rendered++;
        const rgba = frame.rgba;
        if (waiting && previous && diffRatio(previous, rgba, width, height, 16, FEED) > 0) {
          frames.push(rendered - waiting.ordinal);
          millis.push(performance.now() - waiting.at);
          waiting = undefined;
        }
        (previous ??= new Uint8Array(rgba.length)).set(rgba); // the frame is only lent
      },
      dropped: () => 0,
      depth: () => ({ queued: 0, limit: 1 }),
    };
    const loop = studio.frames.loop;
    loop.addSink(sink);
    loop.start();
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < events; i++) {
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 200));
      waiting = { ordinal: rendered, at: performance.now() };
      studio.engine.bus.emit("bid.accepted", {
        auctionId: "auc-2026-11-25",
        tweetId: `e2p-${i}`,
        handle: `@probe${i}`,
        amountWei: parseEther("3") + BigInt(i) * 10n ** 15n,
        at: studio.clock.now().toString({ timeZoneName: "never" }),
        previousLeader: null,
        endsAt: "2026-11-25T21:02:00-05:00",
      } as never);
      while (waiting) await new Promise((r) => setTimeout(r, 5));
    }
    const stats = loop.stats();
    loop.stop();
    return {
      frames: summarize(frames),
      ms: summarize(millis),
      late: stats.late,
      rendered: stats.rendered,
    };
  } finally {
    await studio.stop();
  }
}

if (import.meta.main) {
  const r = await benchEventToPixel(Number(Deno.args[0] ?? 60));
  console.log(
    `event-to-pixel (${r.frames.n} bid.accepted at random moments, 30 fps): frames median ` +
      `${r.frames.median} p99 ${r.frames.p99} max ${r.frames.max}; ms median ${fmt(r.ms.median)} ` +
      `p99 ${fmt(r.ms.p99)} max ${
        fmt(r.ms.max)
      }; loop: ${r.rendered} rendered, ${r.late} late slots`,
  );
}
