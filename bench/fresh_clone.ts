/**
 * From a fresh clone to a live auction: clones this repository's HEAD into a
 * temporary folder, runs `deno task start` there with nothing else (no data
 * folder, no PGlite template; with --cold no Deno cache either, so every npm
 * package comes from the registry), and times the engine's start and the first
 * auction open. Prints each run and the medians, with the load average.
 *
 *   deno run -A bench/fresh_clone.ts [--runs 3] [--cold]
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, cold: { type: "boolean", default: false } },
});
const repo = new URL("../", import.meta.url).pathname;

const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const freePort = () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
};

async function run(): Promise<{ bootS: number; liveS: number }> {
  const tmp = await Deno.makeTempDir({ prefix: "sothebais-clone-" });
  try {
    const clone = await new Deno.Command("git", {
      args: ["clone", "--quiet", repo, `${tmp}/clone`],
    }).output();
    if (!clone.success) throw new Error(new TextDecoder().decode(clone.stderr));
    const port = freePort();
    const t0 = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["task", "start"],
      cwd: `${tmp}/clone`,
      env: {
        PORT: String(port),
        XDG_CACHE_HOME: `${tmp}/cache`,
        ...(values.cold ? { DENO_DIR: `${tmp}/deno-dir` } : {}),
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true, // its own group: the task and the engine stop together
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let bootS = NaN;
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        if (Number.isNaN(bootS) && decoder.decode(chunk).includes('"engine started"')) {
          bootS = (performance.now() - t0) / 1000;
        }
      }
    })();
    try {
      for (;;) {
        const status = await Promise.race([
          child.status,
          new Promise<null>((r) => setTimeout(() => r(null), 250)),
        ]);
        if (status) throw new Error(`exited ${status.code}: ${await stderr}`);
        const lots = await fetch(`http://127.0.0.1:${port}/auction/auctions`)
          .then((r) => r.json(), () => []) as Array<{ status: string }>;
        if (lots.some((l) => l.status === "open")) break;
        if (performance.now() - t0 > 600_000) throw new Error("no live auction in 10 minutes");
      }
      return { bootS, liveS: (performance.now() - t0) / 1000 };
    } finally {
      try {
        Deno.kill(-child.pid, "SIGINT");
      } catch { /* gone */ }
      await child.status;
      await reading;
      await stderr;
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

const results: Array<{ bootS: number; liveS: number }> = [];
for (let i = 0; i < Number(values.runs); i++) {
  const before = load();
  const r = await run();
  results.push(r);
  console.log(
    `run ${i + 1}${values.cold ? " (cold Deno cache)" : ""}: engine started ${
      r.bootS.toFixed(1)
    } s, auction live ${r.liveS.toFixed(1)} s  (load ${before})`,
  );
}
console.log(
  `median: engine started ${median(results.map((r) => r.bootS)).toFixed(1)} s, auction live ${
    median(results.map((r) => r.liveS)).toFixed(1)
  } s (the demo's pre-auction is 60 s of it; target 90 s)`,
);
