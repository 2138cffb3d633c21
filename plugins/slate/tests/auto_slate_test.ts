/**
 * End to end, in a real engine with the compositor: the show's data goes stale
 * (an open auction not updated, a watched check down) → the slate is on the
 * frame with the reason drawn from state → back to the show once healthy; an
 * operator's hold keeps it whatever the data, and a phase change meanwhile is
 * where the show goes back to.
 */
import { eventually } from "../../../core/testing.ts";
import assert from "node:assert/strict";
import { loadPlugins, readSettings } from "../../../core/config.ts";
import { startEngine } from "../../../core/engine.ts";
import { createLog } from "../../../core/log.ts";
import { definePlugin } from "../../../core/plugin.ts";
import { tempDir } from "../../../tests/services.ts";
import type { Compositor } from "../../compositor/mod.ts";
import type { Slate } from "../mod.ts";

const GOLD = [0xd8, 0xb4, 0x6a];

/** Pixels of the slate-reason box (scenes/slate.json) in the reasons' gold. */
function goldInReasonBox(c: Compositor, index: number): number {
  const { rgba } = c.render(index);
  const x0 = Math.round(0.1 * c.width), x1 = Math.round(0.9 * c.width);
  const y0 = Math.round(0.595 * c.height), y1 = Math.round(0.655 * c.height);
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * c.width + x) * 4;
      if (GOLD.every((v, k) => Math.abs(rgba[i + k] - v) < 24)) n++;
    }
  }
  return n;
}

function auctionUpdated(status: string) {
  const t = Temporal.Now.instant();
  return {
    auctionId: "lot-1",
    item: "Genesis #7",
    status,
    startsAt: t.toString(),
    endsAt: t.add({ hours: 1 }).toString(),
    maxEndsAt: t.add({ hours: 2 }).toString(),
    reserveWei: 10n ** 18n,
    priceWei: null,
    leader: null,
    bidCount: 0,
    minNextWei: 10n ** 18n,
    extensions: 0,
    extensionWindowSeconds: 60,
    extensionSeconds: 60,
    ingestGraceSeconds: 0,
  };
}

Deno.test({
  name: "slate: stale data → the slate with its reason on the frame → back when healthy; a hold",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    // A health check standing in for the tweet source's: the slate reads it from /healthz.
    let sourceUp = true;
    const probe = definePlugin({
      name: "probe",
      config: (await import("zod")).z.object({}),
      setup: ({ health }) => health("source", () => ({ ok: sourceUp, detail: "ECONNREFUSED" })),
    });
    const plugin = (name: string) => new URL(`../../${name}/mod.ts`, import.meta.url).href;
    const { plugins } = await loadPlugins([
      { label: "compositor", specifier: plugin("compositor"), config: { run: false } },
      {
        label: "slate",
        specifier: plugin("slate"),
        config: {
          auctionStaleSeconds: 2,
          checks: { "probe.source": "the tweet source" },
          checkSeconds: 0.2,
          recoverSeconds: 0.5,
        },
      },
    ], {});
    const logs: string[] = [];
    const engine = await startEngine({
      settings: readSettings({ DATA_DIR: dir.path, LOG_LEVEL: "info" }),
      plugins: [{ plugin: probe, config: {} }, ...plugins],
      listen: false,
      log: createLog("test", { level: "info", write: (line) => logs.push(line) }),
    });
    const changes: boolean[] = [];
    engine.bus.on("slate.changed", (e) => void changes.push(e.payload.on));
    try {
      const compositor = engine.service<Compositor>("compositor");
      const slate = engine.service<Slate>("slate");
      let frame = 0;
      const scene = () => (compositor.render(frame++), compositor.current());

      // Live and fresh: the show.
      engine.bus.emit("auction.updated", auctionUpdated("open") as never);
      assert.equal(scene(), "live");
      assert.equal(slate.state().on, false);

      // 1. The auction's state goes quiet past auctionStaleSeconds: the slate, by itself.
      await eventually(() => scene() === "slate", "the slate for stale auction data", 10_000, 100);
      assert.match(slate.state().reasons[0], /^auction data stale: Genesis #7 not updated in 2 s$/);
      assert.ok(goldInReasonBox(compositor, frame++) > 200, "the reason is drawn on the slate");

      // Fresh state again: back to the show after recoverSeconds.
      engine.bus.emit("auction.updated", auctionUpdated("open") as never);
      await eventually(() => scene() === "live", "back to the live scene", 10_000, 100);
      assert.deepEqual(slate.state().reasons, []);

      // 2. The tweet source's health goes down, then comes back.
      sourceUp = false;
      engine.bus.emit("auction.updated", auctionUpdated("open") as never);
      await eventually(() => scene() === "slate", "the slate for the tweet source", 10_000, 100);
      assert.deepEqual(slate.state().reasons, ["the tweet source is down"]);
      assert.ok(goldInReasonBox(compositor, frame++) > 200);
      assert.ok(logs.some((l) => l.includes("ECONNREFUSED")), "the check's detail is logged");
      sourceUp = true;
      engine.bus.emit("auction.updated", auctionUpdated("open") as never);
      await eventually(() => scene() === "live", "back after the source recovers", 10_000, 100);

      // 3. An operator's hold: the slate with no reason line, whatever the data's health.
      slate.hold("olga", "sponsor segment overran");
      assert.equal(scene(), "slate");
      assert.equal(slate.state().held?.by, "olga");
      assert.equal(goldInReasonBox(compositor, frame++), 0, "no automatic reason to show");
      // The auction closes meanwhile: the slate holds, and the release goes to post-auction.
      engine.bus.emit("auction.updated", auctionUpdated("closed") as never);
      assert.equal(scene(), "slate");
      const after = slate.release();
      assert.equal(after.on, false);
      assert.equal(scene(), "post-auction");

      // A release while the data is stale leaves the slate on air.
      sourceUp = false;
      await eventually(() => scene() === "slate", "the slate again", 10_000, 100);
      slate.hold("olga", "hold through it");
      assert.equal(slate.release().on, true);
      assert.equal(scene(), "slate");
      sourceUp = true;
      await eventually(() => scene() === "post-auction", "back once healthy", 10_000, 100);

      // Every switch was told on the bus, in order (a hold on a standing slate, and its release, are two more "on").
      const switches = changes.filter((on, i) => on !== changes[i - 1]);
      assert.deepEqual(switches, [true, false, true, false, true, false, true, false]);
      assert.equal(changes.length, switches.length + 2);
    } finally {
      await engine.stop();
      dir.remove();
    }
  },
});
