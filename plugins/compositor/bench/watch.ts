/**
 * The edit loop's latency: `preview --watch` on an author's widget (set up as
 * its test does), N saves of the widget's draw (alternating two colours), each
 * timed from the file's mtime to the PNG written with the new code, as the
 * preview prints it. Prints the median, p95 and max, and how many were under
 * 500 ms. Give it priority on a shared machine (`echo -15 > /proc/<pid>/autogroup`).
 *
 *   deno run -A plugins/compositor/bench/watch.ts [saves=20]
 */
import { watchingAuthor } from "../tests/watch_author.ts";
import { fmt, summarize } from "./stats.ts";

const saves = Number(Deno.args[0] ?? 20);
const author = await watchingAuthor();
try {
  await author.output.until(/^watching/);
  const source = await Deno.readTextFile(author.mod);
  const times: number[] = [];
  for (let i = 0; i < saves; i++) {
    const colour = i % 2 ? "#ff00ff" : "#00ffff";
    await Deno.writeTextFile(
      author.mod,
      source.replace("g.fillStyle = theme.ink;", `g.fillStyle = "${colour}";`),
    );
    const line = await author.output.until(/sparkle reloaded/, 30_000);
    times.push(Number(line.match(/(\d+) ms after the change/)![1]));
    await new Promise((r) => setTimeout(r, 300)); // a save every 0.3 s at most, as a person types
  }
  const s = summarize(times);
  console.log(
    `preview --watch, ${s.n} saves: change → PNG median ${fmt(s.median)} ms, p95 ${
      fmt(s.p95)
    } ms, ` +
      `max ${fmt(s.max)} ms; ${times.filter((t) => t < 500).length} of ${s.n} under 500 ms`,
  );
} finally {
  await author.stop();
}
