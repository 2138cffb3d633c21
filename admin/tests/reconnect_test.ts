/**
 * The engine restarts under an open panel: the page says at once that it is
 * not connected (a banner, the data greyed), reconnects by itself when the
 * engine is back (same session, from Postgres), reloads what it shows, and the
 * preview runs again. Nothing is left silently stale.
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import type { Auctions } from "../../plugins/auction/mod.ts";
import { testStorage } from "../../tests/engine.ts";
import {
  chromiumReady,
  freePort,
  launchChromium,
  openAuction,
  panelEngine,
  showPlugins,
  signedInPage,
} from "./panel_kit.ts";

const ready = await chromiumReady();
Deno.test({
  name: "reconnect: a banner while the engine is down, then back by itself with fresh data",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const storage = testStorage();
    const start = () =>
      panelEngine({
        storage,
        env: { PORT: String(port) },
        plugins: {
          "funds-book": {},
          auction: {
            watermark: "clock",
            auctions: [openAuction("lot-1", "Genesis #2")],
          },
          ...showPlugins(),
        },
      });
    const port = freePort();
    let engine = await start();
    const browser = await launchChromium();
    try {
      const { page } = await signedInPage(
        browser,
        engine,
        { name: "olga", role: "operator" },
        "/admin/auction",
      );
      await page.waitForSelector("#glance-status.status-open");
      assert.equal(await page.locator("#disconnected").count(), 0);

      await engine.stop();
      await page.waitForSelector("#disconnected", { timeout: 5000 });
      assert.match(
        (await page.textContent("#disconnected"))!,
        /Not connected to the engine since .*reconnecting \(attempt \d+\)… What this page shows may be out of date\./,
      );
      assert.equal(await page.locator("main.stale").count(), 1, "the data is greyed");

      engine = await start();
      await engine.service<Auctions>("auctions").admin("lot-1", { action: "pause" }, {
        actor: "test",
        reason: "changed while the page was away",
      });
      await page.waitForSelector("#disconnected", { state: "detached", timeout: 15_000 });
      await page.waitForSelector("#glance-status.status-paused", { timeout: 5000 });
      assert.equal(await page.locator("main.stale").count(), 0);
      await page.click("#nav-live");
      const index = async () => Number(await page.getAttribute("#program", "data-index") ?? 0);
      await eventually(async () => (await index()) > 0, "preview frames again", 10_000, 50);
    } finally {
      await browser.close();
      await engine.stop();
      await storage.remove();
    }
  },
});
