/**
 * The demo as `deno task start` runs it — every embedded part: PGlite, anvil,
 * the fake X, the simulator, the demo, the compositor, the stream — stopped
 * and started again on the same data folder, ten times in a row: by Ctrl-C
 * (SIGINT), SIGTERM and SIGKILL in turn. Each time the same auction resumes
 * with its leader, price and end, and the engine is healthy within 15 s.
 */
import { formatEther } from "viem";
import { assert, assertEquals, eventually } from "../core/testing.ts";
import { anvilAvailable } from "../plugins/chain/tests/chain_kit.ts";
import { pluginModule } from "../core/config.ts";
import { SILENT } from "../stand-ins/x-simulator/script.ts";
import { freePort, killLeftoverAnvil, killQuietly, root, type Running, startCli } from "./cli.ts";
import { tempDir } from "./services.ts";

const ready = await anvilAvailable();

/**
 * The demo profile's plugin list, as modules by path, with `overrides` merged into
 * plugins' configs: the test places the bids itself, so the crowd keeps quiet.
 */
export function demoConfig(dir: string, overrides: Record<string, Record<string, unknown>>) {
  const demo = JSON.parse(Deno.readTextFileSync(`${root}deno.json`)).sothebais;
  type Entry = { name?: string; module?: string; config: Record<string, unknown> };
  const plugins = demo.plugins.map((p: Entry) => ({
    module: p.name
      ? new URL(pluginModule(p.name, `file://${root}`)).pathname
      : new URL(p.module!, `file://${root}`).pathname,
    config: { ...p.config, ...overrides[p.name ?? ""] },
  }));
  const path = `${dir}/sothebais.test.json`;
  Deno.writeTextFileSync(path, JSON.stringify({ sothebais: { profile: "demo", plugins } }));
  return path;
}

interface Lot {
  status: string;
  leader: { handle: string } | null;
  priceWei: string | null;
  minNextWei: string;
  endsAt: string;
}

/** Polls until `probe` gives a value (a failing probe is not one yet), for at most `ms`. */
const waitFor = <T>(what: string, probe: () => Promise<T | null>, ms: number) =>
  eventually(() => probe().catch(() => null), what, ms, 100);

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "restart ×10 (SIGINT, SIGTERM, SIGKILL): the same auction resumes, healthy within 15 s",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = demoConfig(dir.path, {
      demo: { preMinutes: 0.1, auctionMinutes: 60, checkSeconds: 1 },
      "x-simulator": {
        rates: SILENT,
        outbidResponse: 0,
        snipeSecondsBeforeEnd: 0,
      },
    });
    const env = { DATA_DIR: `${dir.path}/data`, PORT: String(port), LOG_LEVEL: "info" };
    const get = async <T>(path: string): Promise<T | null> => {
      const res = await fetch(`${base}${path}`);
      return res.ok ? await res.json() : (await res.body?.cancel(), null);
    };
    const lot = () => get<Lot>("/auction/auctions/demo-1");
    const start = async () => {
      const t0 = performance.now();
      const running = startCli(["--config", config], env);
      const fakeX = (await running.entry("serving the fake X API")).url as string;
      await waitFor("healthy", async () => {
        const res = await fetch(`${base}/healthz`);
        const body = await res.json();
        return res.ok ? body : null;
      }, 15_000).catch(async (error) => {
        const health = await fetch(`${base}/healthz`).then((r) => r.text(), () => "no answer");
        throw new Error(`${error.message}: ${health}`);
      });
      return { running, fakeX, healthyMs: performance.now() - t0 };
    };
    const stop = async (running: Running, signal: Deno.Signal) => {
      running.child.kill(signal);
      const status = await running.child.status;
      await running.done;
      await running.stderr;
      if (signal !== "SIGKILL") assertEquals(status.code, 0, `exit after ${signal}`);
    };
    /** A bid tweeted at the fake X, until the auction shows it leading (bidders fund first). */
    const bid = async (fakeX: string, handle: string) =>
      await waitFor(`${handle} leads`, async () => {
        const now = await lot();
        if (now?.status !== "open") return null;
        const text = `@SothebAIs bid ${formatEther(BigInt(now.minNextWei))} ETH`;
        const res = await fetch(`${fakeX}/_fake/tweets`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ author: handle, text }),
        });
        await res.body?.cancel();
        const led = await waitFor("decided", async () => {
          const after = await lot();
          return after && after.priceWei !== now.priceWei ? after : null;
        }, 3000).catch(() => null);
        return led?.leader?.handle === handle ? led : null;
      }, 60_000);

    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGKILL"];
    const healthy: number[] = [];
    let { running, fakeX, healthyMs } = await start();
    healthy.push(healthyMs);
    try {
      for (let round = 0; round < 10; round++) {
        const before = await bid(fakeX, `@sim_bidder${(round % 5) + 1}`);
        await stop(running, signals[round % 3]);
        ({ running, fakeX, healthyMs } = await start());
        healthy.push(healthyMs);
        const after = await lot();
        assertEquals(
          after && [after.status, after.leader?.handle, after.priceWei, after.endsAt],
          [before.status, before.leader?.handle, before.priceWei, before.endsAt],
          `round ${round + 1}, after ${signals[round % 3]}`,
        );
      }
      assert(healthy.every((ms) => ms < 15_000), healthy.join(", "));
      console.log(`healthy after start (ms): ${healthy.map(Math.round).join(", ")}`);
    } finally {
      killQuietly(running.child, "SIGTERM");
      await running.child.status;
      await running.done;
      await running.stderr;
      killLeftoverAnvil(env.DATA_DIR);
      dir.remove();
    }
  },
});
