/// <reference lib="dom" />
/**
 * A panel request over the socket's MAX_MESSAGE_BYTES, in headless Chromium against a real
 * engine: the page refuses it itself, unsent, and shows its size and the bound where that
 * request's errors go (the Host page's problems list, for the check of an edited character).
 * The socket stays open (the server would close it with 1009, and the request would fail as
 * "connection lost"), and the next request on it works.
 */
import assert from "node:assert/strict";
import { MAX_MESSAGE_BYTES } from "../protocol.ts";
import {
  browserSignIn,
  chromiumReady,
  launchChromium,
  openAuction,
  panelEngine,
} from "./panel_kit.ts";

const ready = await chromiumReady();
const MARLOWE = new URL("../../plugins/host/characters/marlowe.json", import.meta.url);

Deno.test({
  name: "panel socket: an oversized request is refused in the page, the socket stays open",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sothebais-oversized-" });
    const file = `${dir}/marlowe.json`;
    Deno.copyFileSync(MARLOWE, file);
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock", auctions: [openAuction("lot-1", "Genesis #1")] },
        host: { character: file, idleSeconds: 3600 },
      },
    });
    const browser = await launchChromium();
    try {
      const { secret } = await engine.enrolled("ada", "admin");
      const page = await browser.newPage();
      const sockets: Array<{ closed: boolean; largestSent: number }> = [];
      page.on("websocket", (ws) => {
        const s = { closed: false, largestSent: 0 };
        sockets.push(s);
        ws.on("close", () => s.closed = true);
        ws.on("framesent", (f) => {
          const bytes = typeof f.payload === "string"
            ? new TextEncoder().encode(f.payload).byteLength
            : f.payload.byteLength;
          s.largestSent = Math.max(s.largestSent, bytes);
        });
      });
      await browserSignIn(page, engine.url, "ada", secret, "/admin/host");
      await page.waitForFunction(() =>
        (document.getElementById("f-name") as HTMLInputElement | null)?.value === "Marlowe"
      );
      const open = sockets.filter((s) => !s.closed);
      assert.equal(open.length, 1, "one panel socket");

      // Two-byte characters: fewer characters than the bound, more bytes.
      const huge = "é".repeat(MAX_MESSAGE_BYTES / 2 + 10);
      await page.fill("#f-bio", huge);
      await page.waitForSelector("#host-problems");
      const shown = (await page.textContent("#host-problems"))!;
      const size = Number(/this request is (\d+) bytes/.exec(shown)?.[1]);
      assert(size > MAX_MESSAGE_BYTES, shown);
      assert.ok(
        shown.includes(
          `too big to send: this request is ${size} bytes, the engine takes at most ` +
            `${MAX_MESSAGE_BYTES} bytes a message`,
        ),
        shown,
      );
      assert.doesNotMatch(shown, /connection/);
      assert.equal(await page.isDisabled("#host-save"), true, "nothing to save while refused");

      // The same socket, still open, carries the next request: the check of a bio that fits.
      await page.fill("#f-bio", "A patient auctioneer of small hours.");
      await page.waitForFunction(() => !document.getElementById("host-problems"));
      await page.fill("#host-reason", "a shorter bio");
      await page.click("#host-save");
      await page.waitForFunction(() =>
        /Saved: the host speaks as Marlowe/.test(
          document.getElementById("host-notice")?.textContent ?? "",
        )
      );
      assert.equal(
        JSON.parse(Deno.readTextFileSync(file)).bio,
        "A patient auctioneer of small hours.",
      );
      assert.equal(await page.locator("#disconnected").count(), 0, "never disconnected");
      assert.equal(sockets.length, 1, "no reconnect");
      assert.equal(open[0].closed, false, "the socket is still open");
      assert(open[0].largestSent <= MAX_MESSAGE_BYTES, `sent ${open[0].largestSent} bytes`);
    } finally {
      await browser.close();
      await engine.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
