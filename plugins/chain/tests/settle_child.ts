/**
 * The engine of the settlement kill test, as a child process: storage and the
 * chain plugin's config from the environment, the system clock, JSON logs on
 * stdout at debug level (the parent watches for "payment signed"), and an optional auction
 * close read from stdin. A restarted child resumes unfinished settlements itself.
 */
import { loadPlugins, readSettings } from "../../../core/config.ts";
import { startEngine } from "../../../core/engine.ts";
import { createLog } from "../../../core/log.ts";

const env = JSON.parse(Deno.env.get("SETTLE_ENV")!);
const config = JSON.parse(Deno.env.get("SETTLE_CONFIG")!);
const settings = readSettings(env);
const { plugins, secrets } = await loadPlugins([{
  label: "chain",
  specifier: new URL("../mod.ts", import.meta.url).href,
  config,
}], env);
const engine = await startEngine({
  settings,
  plugins,
  listen: false,
  log: createLog("child", { level: "debug", secrets }), // the parent watches a debug line
});
engine.bus.on("auction.settled", (e) => console.log(JSON.stringify({ settled: e.payload })));
console.log(JSON.stringify({ ready: true }));

for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  for (const line of chunk.split("\n").filter(Boolean)) {
    const close = JSON.parse(line);
    engine.bus.emit("auction.closed", {
      auctionId: close.auctionId,
      winner: { handle: close.winner, amountWei: BigInt(close.priceWei), tweetId: "t9" },
      runnerUp: null,
      at: new Date().toISOString(),
    } as never);
  }
}
await new Promise(() => {}); // runs until killed
