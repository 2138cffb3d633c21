/**
 * `/auction/live` bounded per client address (`public.maxListenersPerAddress`): the route
 * takes the address the engine gives it (the connection's peer, core/client_address.ts), so
 * one address past its cap is a 429 with Retry-After while another goes on; on a real engine
 * over HTTP a closed connection frees its slot; the setting is validated with the field named.
 */
import { Hono } from "hono";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { ConfigError, loadPlugins, pluginModule } from "../../core/config.ts";
import { createLog } from "../../core/log.ts";
import { assert, assertEquals, assertRejects, eventually } from "../../core/testing.ts";
import { testEngine } from "../../tests/engine.ts";
import { mountPublicPages } from "./public_pages.ts";

/** Deno.serve's info as the engine hands it to the app. */
const from = (hostname: string) => ({ remoteAddr: { hostname, port: 40000, transport: "tcp" } });

Deno.test("live route: the cap is per connecting address; an in-process request is one address", async () => {
  const bus = createBus(
    virtualClock("2026-03-08T14:00:00-04:00"),
    createLog("t", { write: () => {} }),
  );
  const http = new Hono();
  const stop = mountPublicPages(http, {
    bus,
    db: undefined as never, // the live updates read no row
    list: () => [],
    get: () => null,
    receipts: () => Promise.resolve([]),
    hostHandle: "@SothebAIs",
    linkUrl: "/link",
    maxListeners: 100,
    maxListenersPerAddress: 2,
  }, () => Promise.resolve(""));
  const live = (env?: object) =>
    Promise.resolve(http.fetch(new Request("http://x/auction/live"), env));
  const open: Response[] = [];
  try {
    for (const env of [from("198.51.100.9"), from("198.51.100.9")]) {
      const r = await live(env);
      assertEquals(r.status, 200);
      open.push(r);
    }
    const refused = await live(from("198.51.100.9"));
    assertEquals([refused.status, refused.headers.get("retry-after")], [429, "10"]);
    assert(/at most 2/.test(await refused.text()));
    // Another address, IPv6 too, is not refused.
    for (const env of [from("198.51.100.10"), from("2001:db8::1")]) {
      const r = await live(env);
      assertEquals(r.status, 200);
      open.push(r);
    }
    // No connection (in-process): every such request counts as the one address "unknown".
    open.push(await live(), await live());
    assertEquals((await live()).status, 429);
  } finally {
    for (const r of open) await r.body?.cancel();
    stop();
  }
});

Deno.test({
  name: "live over HTTP: one address to its cap, one more a 429, a closed connection frees a slot",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await testEngine({
      listen: true,
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock", public: { maxListenersPerAddress: 2 } },
      },
    });
    const held: AbortController[] = [];
    // A connection held open, its hello read (the server has counted it by then).
    const connect = async () => {
      const abort = new AbortController();
      const r = await fetch(`${engine.url}/auction/live`, { signal: abort.signal });
      if (r.status !== 200) {
        await r.body?.cancel();
        abort.abort();
        return r;
      }
      held.push(abort);
      const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("event: hello")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before its hello: ${text}`);
        text += value;
      }
      return r;
    };
    try {
      assertEquals([(await connect()).status, (await connect()).status], [200, 200]);
      const refused = await fetch(`${engine.url}/auction/live`);
      assertEquals([refused.status, refused.headers.get("retry-after")], [429, "10"]);
      assert(/too many live connections from your address/.test(await refused.text()));
      // The browser tab goes away: its connection closes, and the server frees the slot.
      held.shift()!.abort();
      const back = await eventually(
        async () => (await connect()).status === 200,
        "a connection to be let in once one closed",
      );
      assert(back);
      assertEquals((await connect()).status, 429, "the cap holds again");
      // The other pages still answer (the cap is on the live feed only).
      const home = await fetch(`${engine.url}/`);
      assertEquals(home.status, 200);
      await home.body?.cancel();
    } finally {
      for (const a of held) a.abort();
      await engine.stop();
    }
  },
});

Deno.test("config: maxListenersPerAddress is bounded, the field named", async () => {
  const auction = pluginModule("auction", new URL("../../", import.meta.url));
  const load = (perAddress: unknown) =>
    loadPlugins([
      {
        label: "funds-book",
        specifier: pluginModule("funds-book", new URL("../../", import.meta.url)),
        config: {},
      },
      {
        label: "auction",
        specifier: auction,
        config: { public: { maxListenersPerAddress: perAddress } },
      },
    ], {});
  for (const bad of [0, -1, 1.5, "8", 1e9, null]) {
    const error = await assertRejects(() => load(bad), ConfigError) as ConfigError;
    assertEquals(error.problems.length, 1, String(error.problems));
    assert(
      error.problems[0].startsWith("plugin auction: config.public.maxListenersPerAddress: "),
      error.problems[0],
    );
  }
  const { plugins } = await load(20);
  const config = plugins.find((p) => p.plugin.name === "auction")!.config as {
    public: { maxListenersPerAddress: number; maxListeners: number };
  };
  assertEquals([config.public.maxListenersPerAddress, config.public.maxListeners], [20, 2000]);
  const defaults = await loadPlugins([
    {
      label: "funds-book",
      specifier: pluginModule("funds-book", new URL("../../", import.meta.url)),
      config: {},
    },
    { label: "auction", specifier: auction, config: {} },
  ], {});
  const d = defaults.plugins.find((p) => p.plugin.name === "auction")!.config as {
    public: { maxListenersPerAddress: number };
  };
  assertEquals(d.public.maxListenersPerAddress, 8);
});
