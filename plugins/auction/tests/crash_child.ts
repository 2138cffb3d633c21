/**
 * The engine of the crash test, as a child process: storage from the
 * environment, the system clock, bids read from stdin (one JSON line each),
 * and each decision reported on stdout once it is recorded and announced.
 */
import { auctionEngine, type Storage } from "../test_engine.ts";

const storage: Storage = {
  env: JSON.parse(Deno.env.get("CRASH_STORAGE")!),
  remove: () => Promise.resolve(),
};
const engine = await auctionEngine(storage, JSON.parse(Deno.env.get("CRASH_CONFIG")!));
const write = (line: unknown) =>
  Deno.stdout.writeSync(
    new TextEncoder().encode(
      JSON.stringify(line, (_k, v) => typeof v === "bigint" ? String(v) : v) + "\n",
    ),
  );
engine.bus.on("bid.accepted", (e) => write({ tweetId: e.payload.tweetId, status: "accepted" }));
engine.bus.on(
  "bid.rejected",
  (e) => write({ tweetId: e.payload.tweetId, status: "rejected", reason: e.payload.reason }),
);
engine.bus.on("auction.updated", (e) => write({ snapshot: e.payload }));
write({ ready: true });

let buffer = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffer += chunk;
  const lines = buffer.split("\n");
  buffer = lines.pop()!;
  for (const line of lines) {
    if (line) engine.bus.emit("bid.submitted", JSON.parse(line));
  }
}
await engine.auctions.idle();
await engine.stop();
