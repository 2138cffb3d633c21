/**
 * The host's test show: the real auction (funds-book backed) on a virtual
 * clock, the host with a given model URL, and the recording x service; bids
 * and questions enter through the bus as the x plugin would send them.
 */
import { virtualClock } from "../../../core/clock.ts";
import { testEngine } from "../../../tests/engine.ts";
import type { HostService } from "../mod.ts";
import { posted } from "./recording_x.ts";

export const AUCTION = {
  id: "genesis-1",
  item: "Genesis #1",
  startsAt: "2026-03-09T14:00:00-04:00",
  endsAt: "2026-03-09T16:00:00-04:00",
  reserve: "1 ETH",
};

export async function hostShow(o: { llmUrl?: string; host?: Record<string, unknown> } = {}) {
  const clock = virtualClock("2026-03-09T13:59:00-04:00");
  posted.length = 0;
  const engine = await testEngine({
    clock,
    plugins: {
      "funds-book": {},
      auction: { watermark: "clock", auctions: [AUCTION] },
      "../plugins/host/tests/recording_x.ts": {},
      host: {
        handle: "@SothebAIs",
        ...o.host,
        llm: { ...(o.host?.llm as object), ...(o.llmUrl ? { baseUrl: o.llmUrl } : {}) },
      },
    },
  });
  const said: Array<{ text: string; version: number; utteranceId: string }> = [];
  const interrupted: string[] = [];
  engine.bus.on("host.said", (e) => void said.push(e.payload as never));
  engine.bus.on("host.interrupted", (e) => void interrupted.push(e.payload.utteranceId));
  const book = engine.service<{
    link(h: string, a: string): Promise<void>;
    enter(h: string, k: string, w: bigint): Promise<bigint>;
  }>("funds-book");
  for (const [handle, address] of [["@alice", "a"], ["@bob", "b"], ["@carol", "c"]]) {
    await book.link(handle, "0x" + address.repeat(40));
    await book.enter(handle, "deposit", 50n * 10n ** 18n);
  }
  const host = engine.service<HostService>("host");
  const auctions = engine.service<
    { idle(): Promise<void>; list(): Array<Record<string, unknown>> }
  >("auctions");
  let tweet = 100;
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await auctions.idle();
      await host.idle();
    }
  };
  return {
    clock,
    engine,
    host,
    auctions,
    said,
    interrupted,
    posted,
    settle,
    async bid(handle: string, text: string) {
      const at = clock.instant().toString();
      engine.bus.emit("bid.submitted", {
        tweetId: String(++tweet),
        handle,
        text,
        tweetAt: at,
        receivedAt: at,
      });
      await settle();
    },
    async ask(handle: string, text: string) {
      engine.bus.emit("host.question", { tweetId: String(++tweet), handle, text });
      await settle();
    },
    /** Advances the show `ms`, letting lines be composed between steps. */
    async advance(ms: number, step = 1000) {
      for (let t = 0; t < ms; t += step) {
        await clock.advance(Math.min(step, ms - t));
        await settle();
      }
    },
  };
}
