/**
 * Reads the A/V test signal back from a recording or capture and prints each
 * flash/beep pair's offset (audio − video, ms) and their median.
 *
 *   deno run -A bench/av_offset.ts FILE [--within SECONDS]   (default 0.5; up to 29 for a 60 s signal)
 */
import { parseArgs } from "node:util";
import { quantile } from "../core/metrics.ts";
import { readAvOffsets } from "../plugins/stream/av_offset.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { within: { type: "string", default: "0.5" } },
});
const within = Number(values.within);
if (positionals.length !== 1 || !(within > 0 && within < 30)) {
  throw new Error("usage: bench/av_offset.ts FILE [--within SECONDS (0–30)]");
}
const r = await readAvOffsets(positionals[0], 7200, within);
for (const s of r.signals) {
  console.log(`video ${s.videoS.toFixed(3)} s  audio ${s.audioS.toFixed(3)} s  ${s.offsetMs} ms`);
}
const ms = r.signals.map((s) => s.offsetMs).sort((a, b) => a - b);
console.log(
  `${r.flashes} flashes, ${r.beeps} beeps, ${r.signals.length} paired; median ${
    ms.length ? quantile(ms, 0.5) : "n/a"
  } ms`,
);
