/**
 * What an outsider reaches without signing in: an engine with the show's
 * plugins (the demo's list less the simulated crowd, the demo show, voice and
 * stream) serves HTTP; every route it registers is asked without a session, and
 * the routes that answer are exactly the list below (and the README's). Then
 * the abuse cases: a 100 MB body is refused (413) before it is read whole, a
 * `null` or non-JSON body and a malformed query are 400 with a message, the link
 * challenge is limited per client address, and concurrent preview frames share
 * one encode a frame.
 */
import { assert, assertEquals, assertMatch } from "../core/testing.ts";
import { testEngine } from "./engine.ts";

/** Method and path of each route an outsider may use; README § "What is public". */
export const PUBLIC_ROUTES = [
  // The panel's shell and bundle: no data; everything it shows comes over the socket, whose
  // hello needs a session (a GET without the upgrade is refused 4xx, not 401).
  "GET /",
  "GET /admin",
  "GET /admin/",
  "GET /admin/app.css",
  "GET /admin/app.js",
  "GET /admin/assets",
  "GET /admin/auction",
  "GET /admin/campaigns",
  "GET /admin/host",
  "GET /admin/live",
  "GET /admin/login",
  "GET /admin/reports",
  "GET /admin/scenes",
  "GET /admin/setup",
  "GET /admin/system",
  "GET /admin/ws",
  "GET /artwork/:item",
  "GET /auction/auctions",
  "GET /auction/auctions/:id",
  "GET /auction/live",
  "GET /auctions/:id",
  "GET /auctions/:id/bids",
  "GET /bidders/:handle",
  "GET /compositor/frame.png",
  "GET /compositor/scenes",
  "GET /healthz",
  "GET /link",
  "GET /link/app.css",
  "GET /link/app.js",
  "GET /link/escrow.svg",
  "GET /link/status",
  "GET /metrics",
  "GET /public-format.js",
  "GET /public.css",
  "GET /public.js",
  "POST /link/challenge",
  "POST /link/signature",
];

const fill = (path: string) => path.replace(/:(\w+)/g, "probe").replace(/\*/g, "probe");

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "outsiders: the routes answering without sign-in are the listed ones; abuse is refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const engine = await testEngine({
      embedded: true,
      listen: true,
      plugins: {
        heartbeat: {},
        chain: { embedded: { tokens: 2 }, linkRateLimit: { challenges: 5, perSeconds: 60 } },
        auction: { watermark: "clock" },
        "fake-x": {},
        x: { tier: "pro" },
        host: {},
        compositor: {},
        "widget-artwork": {},
        "widget-status": {},
        "widget-countdown": {},
        "widget-bid-feed": {},
        "widget-host": {},
        "widget-ticker": {},
        "widget-clock": {},
        "show-log": {},
        "../admin/mod.ts": {},
      },
    });
    const url = engine.url!;
    try {
      const routes = [
        ...new Set(
          engine.http.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`),
        ),
      ].sort();
      const reached: string[] = [];
      for (const route of routes) {
        const [method, path] = route.split(" ");
        const response = await fetch(url + fill(path), {
          method,
          headers: method === "GET" ? {} : { "content-type": "application/json" },
          body: method === "GET" ? undefined : "{}",
        });
        await response.body?.cancel();
        if (response.status !== 401 && response.status !== 403) reached.push(route);
      }
      console.log(
        `outsiders reach ${reached.length} of ${routes.length} routes:\n  ${reached.join("\n  ")}`,
      );
      assertEquals(reached, [...PUBLIC_ROUTES].sort());

      // 100 MB, streamed without a length: refused once the limit is passed, not read whole.
      let pulled = 0;
      const chunk = new Uint8Array(1 << 20);
      const big = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= 100 << 20) return controller.close();
          pulled += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const refused = await fetch(`${url}/link/challenge`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      }).catch((error) => error as Error);
      if (refused instanceof Response) {
        assertEquals(refused.status, 413);
        assertMatch((await refused.json()).error, /too large/);
      }
      assert(pulled < 100 << 20, `the whole body was sent (${pulled} bytes)`);
      // Declared too large: refused before a byte of it is read.
      const declared = await fetch(`${url}/link/signature`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new Uint8Array(2 << 20),
      });
      assertEquals(declared.status, 413);
      await declared.body?.cancel();

      // Malformed bodies and queries: 400, with a message naming what is wanted.
      for (const body of ["null", "[1]", "not json", "7"]) {
        const r = await fetch(`${url}/link/signature`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        assertEquals(r.status, 400, body);
        assertMatch((await r.json()).error, /JSON object/);
      }
      const status = await fetch(`${url}/link/status?nonce=${encodeURIComponent("' or 1=1 --")}`);
      assertEquals(status.status, 400);
      assertMatch((await status.json()).message, /^nonce: /);

      // The link challenge: 5 a minute from one address (as configured), then 429, whatever
      // the body (a refused body counts: it cost the engine a request).
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await fetch(`${url}/link/challenge`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ address: "0x" + "1".repeat(40), handle: "@alice" }),
        });
        statuses.push(r.status);
        await r.body?.cancel();
      }
      // Up to two were asked above (the route sweep, maybe the 100 MB one): 3 to 4 more
      // pass, then every one is 429.
      const passed = statuses.findIndex((s) => s === 429);
      assert(passed >= 3 && passed <= 4, `statuses ${statuses}`);
      assert(statuses.slice(passed).every((s) => s === 429), `statuses ${statuses}`);

      // 40 viewers at once: one encode a frame, shared (far fewer distinct images than asks).
      const began = performance.now();
      const frames = await Promise.all(
        Array.from({ length: 40 }, () =>
          fetch(`${url}/compositor/frame.png`).then(async (r) => {
            assertEquals(r.headers.get("content-type"), "image/png");
            return new Uint8Array(await r.arrayBuffer());
          })),
      );
      const took = performance.now() - began;
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const encodes = Number(
        metrics.match(/^sothebais_compositor_preview_encodes_total(?:\{\})? (\d+)/m)?.[1],
      );
      const slots = Math.ceil(took / (1000 / 30)) + 1;
      console.log(
        `40 preview frames in ${took.toFixed(0)} ms: ${encodes} encodes (${slots} frame slots)`,
      );
      // The route sweep asked for one frame before these 40; without sharing, 41 encodes.
      assert(
        encodes >= 2 && encodes - 1 <= Math.min(slots, 20),
        `${encodes} encodes, ${slots} slots`,
      );
      assert(frames.every((f) => f[1] === 0x50 && f[2] === 0x4e && f[3] === 0x47), "PNG");
    } finally {
      await engine.stop();
    }
  },
});
