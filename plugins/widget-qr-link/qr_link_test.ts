/**
 * The QR code against its golden, and read back: the frame the compositor
 * draws decodes (with the `qr` package's reader) to the configured link page;
 * a URL that is not http(s) is refused by the plugin's config.
 */
import decodeQR from "qr/decode.js";
import { assertEquals } from "../../core/testing.ts";
import { matchGolden, renderWidget } from "../compositor/mod.ts";
import { qrLink } from "./qr_link.ts";
import plugin from "./mod.ts";

const GOLDENS = new URL("./goldens/", import.meta.url);
const url = "https://sothebais.example/link";

Deno.test("qr-link: the code of the link page, readable off the frame (golden)", async () => {
  const frame = await renderWidget(qrLink, { width: 320, height: 360, settings: { url } });
  assertEquals(frame.failing, []);
  await matchGolden(frame, GOLDENS, "qr-link");
  const rgba = new Uint8Array(frame.rgba);
  assertEquals(decodeQR({ width: frame.width, height: frame.height, data: rgba }), url);
  const other = await renderWidget(qrLink, {
    width: 320,
    height: 360,
    settings: { url: "https://bid.example/link?from=stream" },
  });
  assertEquals(
    decodeQR({ width: other.width, height: other.height, data: new Uint8Array(other.rgba) }),
    "https://bid.example/link?from=stream",
  );
});

Deno.test("qr-link: the plugin's url must be an http(s) URL; without one the slot says so", async () => {
  assertEquals(plugin.config.safeParse({ url }).success, true);
  assertEquals(plugin.config.safeParse({ url: "javascript:alert(1)" }).success, false);
  assertEquals(plugin.config.safeParse({ url: "ftp://bid.example/link" }).success, false);
  const none = await renderWidget(qrLink, { width: 320, height: 360, settings: {} });
  assertEquals(none.failing, ["qr-link"]);
});
