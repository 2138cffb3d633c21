/**
 * After a restart the screen is right at once: the auction tells where each live
 * auction stands only once every plugin has started, so the compositor, the
 * widgets and plugins started after the auction show the live lot, its leader,
 * price and end before any new bid.
 */
import { parseEther } from "viem";
import { virtualClock } from "../core/clock.ts";
import { loadPlugins, readSettings } from "../core/config.ts";
import { startEngine } from "../core/engine.ts";
import { createLog } from "../core/log.ts";
import { assertEquals } from "../core/testing.ts";
import type { BusEvent } from "../core/bus.ts";
import type { Auctions } from "../plugins/auction/mod.ts";
import type { Compositor } from "../plugins/compositor/mod.ts";
import type { FundsBook } from "../plugins/funds-book/mod.ts";
import { testStorage } from "./engine.ts";

const at = Temporal.Instant.from("2026-11-25T19:10:00-05:00");
const plugin = (name: string, config: Record<string, unknown> = {}) => ({
  label: name,
  specifier: new URL(`../plugins/${name}/mod.ts`, import.meta.url).href,
  config,
});

Deno.test("after a restart the live lot is announced once every plugin has started", async () => {
  const storage = testStorage();
  const start = async () => {
    const { plugins } = await loadPlugins([
      plugin("funds-book"),
      plugin("auction", {
        watermark: "clock",
        auctions: [{
          id: "lot-1",
          item: "Genesis #1",
          startsAt: "2026-11-25T19:00:00-05:00",
          endsAt: "2026-11-25T19:30:00-05:00",
          reserve: "0.5 ETH",
        }],
      }),
      plugin("compositor", { run: false }),
      plugin("widget-status"),
      // Needs nothing: ordered where it is listed, after the auction.
      {
        label: "listener",
        specifier: new URL("./fixtures/listener.ts", import.meta.url).href,
        config: { types: ["auction.updated"] },
      },
    ], storage.env);
    return await startEngine({
      settings: readSettings(storage.env),
      plugins,
      clock: virtualClock(at),
      listen: false,
      log: createLog("test", { level: "error" }),
    });
  };
  try {
    let engine = await start();
    const book = engine.service<FundsBook>("funds-book");
    await book.link("@alice", "0x00000000000000000000000000000000000000a1");
    await book.enter("@alice", "deposit", parseEther("3"));
    engine.bus.emit("bid.submitted", {
      tweetId: "101",
      handle: "@alice",
      text: "@SothebAIs bid 1.2 ETH",
      tweetAt: at.toString(),
    });
    await engine.service<Auctions>("auctions").idle();
    const before = engine.service<Auctions>("auctions").get("lot-1")!;
    assertEquals([before.status, before.leader?.handle, before.priceWei], [
      "open",
      "@alice",
      parseEther("1.2"),
    ]);
    await engine.stop();

    engine = await start();
    try {
      const heard = engine.service<BusEvent[]>("heard");
      const live = heard.map((e) => e.payload as typeof before).find((p) =>
        p.auctionId === "lot-1"
      );
      assertEquals(
        live && [live.status, live.leader?.handle, live.priceWei, live.endsAt],
        ["open", "@alice", parseEther("1.2"), before.endsAt],
      );
      assertEquals(engine.service<Compositor>("compositor").current(), "live");
    } finally {
      await engine.stop();
    }
  } finally {
    await storage.remove();
  }
});
