/**
 * Render time per frame of the live scene with the sample show, at 720p and
 * 1080p: the whole frame (background, widgets, the RGBA copy handed to sinks),
 * with the show's clock moving 1/30 s per frame so the ticker scrolls, the
 * countdown ticks and, every 2 s, a new bid lands. Prints median, p95, p99,
 * max and CPU ms per frame (process CPU, all threads).
 *
 *   deno run -A plugins/compositor/bench/render.ts [frames=900]
 */
import process from "node:process";
import { parseEther } from "viem";
import { SAMPLE_MOMENT, sampleEvents } from "../../../scenes/sample_state.ts";
import { startStudio } from "../studio.ts";
import { fmt, summarize } from "./stats.ts";

export async function benchRender(
  width: number,
  height: number,
  frames: number,
  config: Record<string, unknown> = {},
) {
  const studio = await startStudio({ config: { width, height, ...config } });
  try {
    await studio.play(sampleEvents("auction"));
    await studio.clock.advanceTo(Temporal.Instant.from(SAMPLE_MOMENT.auction));
    studio.compositor.show("live", { kind: "cut", ms: 0 });
    for (let i = 0; i < 30; i++) studio.compositor.render(i); // warm caches
    const times: number[] = [];
    const start = studio.clock.instant();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < frames; i++) {
      if (i % 60 === 59) {
        studio.engine.bus.emit("bid.accepted", {
          auctionId: "auc-2026-11-25",
          tweetId: `bench-${i}`,
          handle: `@bidder${i}`,
          amountWei: parseEther("3") + BigInt(i) * 10n ** 16n,
          at: studio.clock.now().toString({ timeZoneName: "never" }),
          previousLeader: null,
          endsAt: "2026-11-25T21:02:00-05:00",
        } as never);
      }
      const t = performance.now();
      studio.compositor.render(100 + i);
      times.push(performance.now() - t);
      await studio.clock.advanceTo(start.add({ milliseconds: Math.round(((i + 1) * 1000) / 30) }));
    }
    const cpu = process.cpuUsage(cpu0);
    return {
      ...summarize(times),
      cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / frames,
      widgets: studio.compositor.widgetStats(),
    };
  } finally {
    await studio.stop();
  }
}

if (import.meta.main) {
  const frames = Number(Deno.args[0] ?? 900);
  for (const [w, h] of [[1280, 720], [1920, 1080]]) {
    const r = await benchRender(w, h, frames);
    console.log(
      `live scene ${w}x${h}: ${r.n} frames, render ms median ${fmt(r.median)} p95 ${fmt(r.p95)} ` +
        `p99 ${fmt(r.p99)} max ${fmt(r.max)}; CPU ${fmt(r.cpuMsPerFrame)} ms/frame`,
    );
  }
}
