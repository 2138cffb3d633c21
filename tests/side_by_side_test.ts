/**
 * Two shows on one machine: engines with their own DATA_DIR and PORT run side by
 * side, each embedded server (anvil, the fake X) on a free port of its own,
 * printed at start. And the data-folder lock holds with a Postgres database too:
 * a second engine on the same folder is refused and leaves the first one's
 * anvil running.
 */
import { assert, assertEquals, assertMatch } from "../core/testing.ts";
import { anvilAvailable } from "../plugins/chain/tests/chain_kit.ts";
import { cli, freePort, killLeftoverAnvil, killQuietly, type Running, startCli } from "./cli.ts";
import { serviceAvailable, tempDir, uniqueName } from "./services.ts";

const ready = await anvilAvailable();
const postgresUrl = Deno.env.get("DATABASE_URL");

async function healthy(url: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await fetch(`${url}/healthz`).catch(() => null);
    const body = await res?.json().catch(() => null);
    if (res?.ok) return body;
    if (Date.now() > deadline) throw new Error(`${url} not healthy: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(running: Running) {
  killQuietly(running.child, "SIGTERM");
  const status = await running.child.status;
  await running.done;
  await running.stderr;
  return status.code;
}

/** The embedded servers an engine printed at start: its own URL, anvil's and the fake X's. */
async function servers(running: Running) {
  const started = await running.entry("engine started");
  return {
    engine: started.url as string,
    anvil: (await running.entry("embedded anvil started")).url as string,
    fakeX: (await running.entry("serving the fake X API")).url as string,
    preview: (await running.entry("preview frame")).url as string,
    recording: (await running.entry("recording")).url as string,
  };
}

const rpc = (url: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
  }).then((r) => r.json()).then((j) => j.result as string | undefined, () => undefined);

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "two demo engines with their own DATA_DIR and PORT run side by side",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dirs = [tempDir(), tempDir()];
    const ports = [freePort(), freePort()];
    const engines = dirs.map((dir, i) =>
      startCli([], { DATA_DIR: dir.path, PORT: String(ports[i]) })
    );
    try {
      const [a, b] = await Promise.all(engines.map(servers));
      assertEquals([a.engine, b.engine], ports.map((p) => `http://127.0.0.1:${p}`));
      for (const key of ["anvil", "fakeX"] as const) {
        assertMatch(a[key], /^http:\/\/127\.0\.0\.1:\d+$/);
        assert(a[key] !== b[key], `${key}: ${a[key]} and ${b[key]}`);
      }
      assertEquals(a.preview, `${a.engine}/compositor/frame.png`);
      await Promise.all([healthy(a.engine), healthy(b.engine)]);
      // Each records the show in its own data folder, and says where.
      for (const [i, s] of [a, b].entries()) {
        const folder = `${Deno.realPathSync(dirs[i].path)}/stream/recordings/`;
        assertEquals(decodeURIComponent(new URL(s.recording).pathname), folder);
        const deadline = Date.now() + 30_000;
        while (![...Deno.readDirSync(folder)].some((f) => f.isFile && f.name.endsWith(".mp4"))) {
          if (Date.now() > deadline) throw new Error(`nothing recorded in ${folder}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      // Each engine's link page and its own fake X answer.
      for (const s of [a, b]) {
        assertEquals(
          (await fetch(`${s.engine}/link`).then((r) => r.text())).includes("<html"),
          true,
        );
        const users = await fetch(`${s.fakeX}/_fake/users`).then((r) => r.json());
        assert(Array.isArray(users.data));
      }
      assertEquals(await Promise.all(engines.map(stop)), [0, 0]);
      // Each took its anvil down with it.
      assertEquals(await Promise.all([rpc(a.anvil), rpc(b.anvil)]), [undefined, undefined]);
    } finally {
      for (const e of engines) killQuietly(e.child);
      for (const dir of dirs) {
        killLeftoverAnvil(dir.path);
        dir.remove();
      }
    }
  },
});

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name:
    "with DATABASE_URL set, a second engine on the same folder is refused; the first's anvil lives",
  ignore: !ready || !(await serviceAvailable("postgres", () => postgresUrl)),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    const schema = uniqueName("lock");
    const env = (port: number) => ({
      DATA_DIR: dir.path,
      PORT: String(port),
      DATABASE_URL: postgresUrl!,
      DATABASE_SCHEMA: schema,
    });
    const first = startCli([], env(freePort()));
    try {
      const s = await servers(first);
      await healthy(s.engine);
      const second = cli(["start"], env(freePort())).spawn();
      const timer = setTimeout(() => killQuietly(second), 20_000); // not refused: stop it
      const { code, stderr } = await second.output();
      clearTimeout(timer);
      assertEquals(code, 1, "the second engine is refused");
      assertMatch(new TextDecoder().decode(stderr), /in use by another engine/);
      assert(await rpc(s.anvil), "the first engine's anvil still answers");
      await healthy(s.engine);
      assertEquals(await stop(first), 0);
    } finally {
      killQuietly(first.child);
      const { default: postgres } = await import("postgres");
      const sql = postgres(postgresUrl!, { onnotice: () => {} });
      await sql.unsafe(`drop schema if exists "${schema}" cascade`);
      await sql.end();
      killLeftoverAnvil(dir.path);
      dir.remove();
    }
  },
});
