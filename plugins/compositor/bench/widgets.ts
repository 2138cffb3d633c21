/**
 * The live scene's render time with the three example widgets (sparkline,
 * leaderboard, qr-link) in a quadrant, against today's live scene: the same
 * sample show and bids (`render.ts`), 720p, runs alternated so both see the
 * same machine. Prints each run's median and p99, then the medians of both
 * across runs and the ratio (target: p99 within 10 %), and the examples' own
 * draw times (the compositor's per-widget figures, last 300 frames).
 *
 *   deno run -A plugins/compositor/bench/widgets.ts [frames=900] [runs=3]
 */
import { benchRender } from "./render.ts";
import { fmt } from "./stats.ts";

const EXAMPLES = ["sparkline", "leaderboard", "qr-link"];
const SCENES = new URL("../../../scenes/", import.meta.url);

/** The project's scenes, with the examples beside the artwork in the live scene's top-left quadrant. */
export async function scenesWithExamples(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sothebais-bench-scenes-" });
  for await (const e of Deno.readDir(SCENES)) {
    if (e.name.endsWith(".json")) await Deno.copyFile(new URL(e.name, SCENES), `${dir}/${e.name}`);
  }
  const live = JSON.parse(await Deno.readTextFile(`${dir}/live.json`));
  live.quadrants.topLeft.items = [
    { widget: "artwork", at: [0, 0, 1, 0.6], props: { src: "nft/sample.png" } },
    { widget: "sparkline", at: [0, 0.62, 0.37, 0.38] },
    { widget: "leaderboard", at: [0.38, 0.62, 0.37, 0.38], props: { rows: 4 } },
    { widget: "qr-link", at: [0.76, 0.62, 0.24, 0.38], props: { label: "LINK" } },
  ];
  await Deno.writeTextFile(`${dir}/live.json`, JSON.stringify(live));
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (import.meta.main) {
  const frames = Number(Deno.args[0] ?? 900);
  const runs = Number(Deno.args[1] ?? 3);
  const dir = await scenesWithExamples();
  const today = { median: [] as number[], p99: [] as number[], cpu: [] as number[] };
  const examples = { median: [] as number[], p99: [] as number[], cpu: [] as number[] };
  try {
    for (let r = 0; r < runs; r++) {
      for (
        const [name, into, config] of [
          ["today", today, {}],
          ["examples", examples, { scenesDir: dir }],
        ] as const
      ) {
        const result = await benchRender(1280, 720, frames, config);
        into.median.push(result.median);
        into.p99.push(result.p99);
        into.cpu.push(result.cpuMsPerFrame);
        const own = EXAMPLES.map((k) => result.widgets[k]).filter(Boolean)
          .map((w, i) => `${EXAMPLES[i]} ${fmt(w.meanMs)}/${fmt(w.p99Ms)}`).join(", ");
        console.log(
          `run ${r + 1} ${name}: median ${fmt(result.median)} p99 ${fmt(result.p99)} ms; ` +
            `CPU ${fmt(result.cpuMsPerFrame)} ms/frame${own ? `; draw mean/p99 ms: ${own}` : ""}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const m = [median(today.median), median(examples.median)];
  const p = [median(today.p99), median(examples.p99)];
  const c = [median(today.cpu), median(examples.cpu)];
  console.log(
    `live 720p, median of ${runs} runs of ${frames} frames: today median ${fmt(m[0])} p99 ` +
      `${fmt(p[0])} ms; with the examples median ${fmt(m[1])} p99 ${fmt(p[1])} ms; ratio median ` +
      `${(m[1] / m[0]).toFixed(3)}, p99 ${(p[1] / p[0]).toFixed(3)}; CPU a frame ${fmt(c[0])} / ` +
      `${fmt(c[1])} ms (ratio ${(c[1] / c[0]).toFixed(3)})`,
  );
}
