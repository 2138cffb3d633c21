/** The engine as operators run it: the CLI, its config errors, signals, and crashes. */
import { assert, assertEquals, assertMatch } from "../core/testing.ts";
import { serviceAvailable, tempDir, uniqueName } from "./services.ts";
import { cli, freePort, killQuietly, readLines, root } from "./cli.ts";

Deno.test("start: boots on embedded storage, logs its plugins, serves /healthz and /metrics, stops on SIGINT within 2 s", async () => {
  const dir = tempDir();
  const port = freePort();
  const child = cli(["start"], { DATA_DIR: dir.path, PORT: String(port) }).spawn();
  const lines: string[] = [];
  const { promise: started, resolve } = Promise.withResolvers<void>();
  const reading = readLines(child.stdout, (line) => {
    lines.push(line);
    if (line.includes("engine started")) resolve();
  });
  const stderr = new Response(child.stderr).text();
  try {
    await started;
    const entry = JSON.parse(lines.find((l) => l.includes("engine started"))!);
    const listed = JSON.parse(Deno.readTextFileSync(`${root}deno.json`)).sothebais.plugins
      .filter((p: { enabled?: boolean }) => p.enabled !== false)
      // A module entry's plugin is named by its folder (`./admin/mod.ts` → admin).
      .map((p: { name?: string; module?: string }) => p.name ?? p.module!.split("/").at(-2));
    assertEquals([...entry.plugins].sort(), [...listed].sort());
    assertEquals([entry.db, entry.state], ["pglite", "memory"]);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assertEquals(health.status, 200);
    const body = await health.json();
    assertEquals([body.ok, body.checks.db.ok, body.checks.db.backend], [true, true, "pglite"]);
    assertEquals([body.status, body.checks.lease.role], ["ok", "leader"]);
    assertMatch(body.checks.lease.detail, /^this engine leads \(.+:\d+:\w+; embedded storage/);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assertMatch(metrics, /# TYPE sothebais_db_query_seconds summary/);
    assertMatch(metrics, /sothebais_db_query_seconds_count [1-9]/);
    assertMatch(metrics, /sothebais_process_memory_bytes\{kind="rss"\} [1-9]\d{6,}/);

    const t = performance.now();
    child.kill("SIGINT");
    const status = await child.status;
    const stopMs = performance.now() - t;
    await reading;
    assertEquals(status.code, 0, await stderr);
    assert(stopMs < 2000, `stopped in ${stopMs} ms`);
    assert(lines.some((l) => l.includes('"msg":"stopped"')));
  } finally {
    killQuietly(child);
  }
  dir.remove();
});

Deno.test("start with a broken config exits non-zero with one line per problem, naming plugin and field", async () => {
  const dir = tempDir();
  const config = `${dir.path}/deno.json`;
  Deno.writeTextFileSync(
    config,
    JSON.stringify({
      sothebais: {
        plugins: [
          { module: `${root}plugins/nope/mod.ts` },
          { module: `${root}plugins/heartbeat/mod.ts`, config: { everySeconds: -5 } },
          {
            module: `${root}tests/fixtures/needs_secret.ts`,
            config: { apiKey: "${FIXTURE_API_KEY}" },
          },
        ],
      },
    }),
  );
  const { code, stderr } = await cli(["start", "--config", config], {
    DATA_DIR: dir.path,
    LOG_LEVEL: "loud",
  }).output();
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  assertEquals(code, 1);
  assertEquals(lines.length, 4, lines.join("\n"));
  assertMatch(lines.shift()!, /^env\.LOG_LEVEL: /);
  assertMatch(lines[0], /^plugin .*nope.*: unknown plugin/);
  assertMatch(lines[1], /^plugin heartbeat: config\.everySeconds: /);
  assertEquals(
    lines[2],
    "plugin needs-secret: config.apiKey: environment variable FIXTURE_API_KEY is not set",
  );
  dir.remove();
});

Deno.test("check validates without starting; --help works for every command", async () => {
  const ok = await cli(["check"], {}).output();
  assertEquals(ok.code, 0);
  assertMatch(
    new TextDecoder().decode(ok.stdout),
    /^profile +ok +demo \(deno\.json\): (\d+) of \1 plugins load\n/,
  );
  for (const command of ["start", "check", "migrate"]) {
    const help = await cli([command, "--help"], {}).output();
    assertEquals(help.code, 0);
    assertMatch(new TextDecoder().decode(help.stdout), new RegExp(`^usage: main.ts ${command}`));
  }
  const unknown = await cli(["frobnicate"], {}).output();
  assertEquals(unknown.code, 2);
});

Deno.test("a second engine on the same data folder is refused", async () => {
  const dir = tempDir();
  const port = freePort();
  const first = cli(["start"], { DATA_DIR: dir.path, PORT: String(port) }).spawn();
  const { promise: started, resolve } = Promise.withResolvers<void>();
  const reading = readLines(first.stdout, (l) => l.includes("engine started") && resolve());
  const firstErr = new Response(first.stderr).text();
  try {
    await started;
    const second = await cli(["start"], { DATA_DIR: dir.path, PORT: String(freePort()) }).output();
    assertEquals(second.code, 1);
    assertMatch(new TextDecoder().decode(second.stderr), /in use by another engine/);
    first.kill("SIGTERM");
    assertEquals((await first.status).code, 0);
    await reading;
    await firstErr;
  } finally {
    killQuietly(first);
  }
  dir.remove();
});

async function crashTest(env: Record<string, string>, check: (ids: number[]) => Promise<number>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}tests/fixtures/writer.ts`],
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const committed: number[] = [];
  const { promise: enough, resolve } = Promise.withResolvers<void>();
  const reading = readLines(child.stdout, (line) => {
    committed.push(Number(line));
    if (committed.length === 300) resolve();
  });
  const stderr = new Response(child.stderr).text();
  await Promise.race([
    enough,
    child.status.then(async () => {
      throw new Error(`writer exited early: ${await stderr}`);
    }),
  ]);
  child.kill("SIGKILL");
  await child.status;
  await reading;
  await stderr;
  const found = await check(committed);
  assertEquals(found, committed.length);
}

Deno.test("SIGKILL during writes loses no committed row (PGlite), and the next start is not blocked", async () => {
  const dir = tempDir();
  const env = { DATA_DIR: dir.path, DATABASE_URL: "" };
  const countCommitted = async (committed: number[]) => {
    const { readSettings } = await import("../core/config.ts");
    const { openDatabase } = await import("../core/engine.ts");
    const { db, lock } = await openDatabase(readSettings(env)); // clears the stale lock and pid file
    const rows = await db.query("select id from crash_rows where id = any($1::int[])", [committed]);
    await db.close();
    lock?.release();
    return rows.length;
  };
  // Counting opens the folder right after the kill (stale lock, stale PGlite pid file);
  // the second round writes on the recovered folder.
  await crashTest(env, countCommitted);
  await crashTest(env, countCommitted);
  dir.remove();
});

const postgresUrl = Deno.env.get("DATABASE_URL");
Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "SIGKILL during writes loses no committed row (Postgres)",
  ignore: !(await serviceAvailable("postgres", () => postgresUrl)),
  async fn() {
    const schema = uniqueName("crash");
    const env = { DATABASE_URL: postgresUrl!, DATABASE_SCHEMA: schema, DATA_DIR: tempDir().path };
    const { openDb } = await import("../core/db.ts");
    await crashTest(env, async (committed) => {
      const db = await openDb({ url: postgresUrl, schema, dataDir: "" });
      const rows = await db.query("select id from crash_rows where id = any($1::int[])", [
        committed,
      ]);
      await db.exec(`drop schema ${schema} cascade`);
      await db.close();
      return rows.length;
    });
  },
});

Deno.test("profiles at the CLI: production refuses to start without its settings; the demo refuses real X credentials", async () => {
  const dir = tempDir();
  const prod = await cli(["start", "--config", "sothebais.prod.json"], { DATA_DIR: dir.path })
    .output();
  assertEquals(prod.code, 1);
  assertMatch(
    new TextDecoder().decode(prod.stderr),
    /^plugin chain: config\.rpcUrls: environment variable RPC_URLS is not set$/m,
  );
  const demo = await cli(["start"], { DATA_DIR: dir.path, X_API_KEY: "a-real-looking-key" })
    .output();
  assertEquals(demo.code, 1);
  const said = new TextDecoder().decode(demo.stderr);
  assertMatch(said, /^plugin fake-x: a stand-in for the X API, listed while X_API_KEY is set/m);
  assertEquals(said.includes("a-real-looking-key"), false);
  // By a setting instead of the flag: the same production profile.
  const bySetting = await cli(["start"], {
    DATA_DIR: dir.path,
    SOTHEBAIS_CONFIG: "sothebais.prod.json",
  }).output();
  assertEquals(bySetting.code, 1);
  assertMatch(new TextDecoder().decode(bySetting.stderr), /RPC_URLS is not set/);
  dir.remove();
});
