/**
 * Servers of a test's own, to stop and start without touching the machine's
 * shared ones: a redis-server and a Postgres (initdb + pg_ctl), each on its own
 * loopback port and in its own temporary folder, stopped and removed by the test.
 */
import { commandWorks, tempDir } from "./services.ts";
import { freePort } from "./cli.ts";

export interface OwnServer {
  url: string;
  port: number;
  /** Starts it again on the same port (and folder). */
  start(): Promise<void>;
  /** Stops it at once (SIGKILL for Redis, `-m immediate` for Postgres): what a crash looks like. */
  stop(): Promise<void>;
  remove(): Promise<void>;
}

/** The Postgres binaries of this machine (Debian's layout), or null. */
export const PG_BIN = await (async () => {
  for (const v of ["18", "17", "16", "15", "14"]) {
    const bin = `/usr/lib/postgresql/${v}/bin`;
    if (await commandWorks(`${bin}/pg_ctl`, ["--version"])) return bin;
  }
  return null;
})();

export const REDIS_SERVER = await commandWorks("redis-server", ["--version"])
  ? "redis-server"
  : null;

async function untilListening(port: number, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A redis-server without persistence: started again, it is empty (the worst case). */
export async function ownRedis(): Promise<OwnServer> {
  if (!REDIS_SERVER) throw new Error("no redis-server on this machine");
  const dir = tempDir("sothebais-redis-");
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command(REDIS_SERVER, {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      cwd: dir.path,
      stdout: "null",
      stderr: "null",
    }).spawn();
    await untilListening(port);
  };
  const stop = async () => {
    if (!child) return;
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    child = undefined;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async remove() {
      await stop();
      dir.remove();
    },
  };
}

/** A Postgres of the test's own (its own folder and port), run as the `postgres` user. */
export async function ownPostgres(): Promise<OwnServer> {
  if (!PG_BIN) throw new Error("no Postgres binaries under /usr/lib/postgresql");
  const dir = tempDir("sothebais-pg-");
  const data = `${dir.path}/data`;
  const port = freePort();
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("runuser", {
      args: ["-u", "postgres", "--", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  };
  await new Deno.Command("chown", { args: ["postgres", dir.path] }).output();
  await run(`${PG_BIN}/initdb`, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync");
  const pgCtl = (action: "start" | "stop") =>
    run(
      `${PG_BIN}/pg_ctl`,
      "-D",
      data,
      "-w",
      "-l",
      `${dir.path}/log`,
      ...(action === "start"
        ? ["-o", `-p ${port} -k ${dir.path} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]
        : ["-m", "immediate", "stop"]),
    );
  await pgCtl("start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => pgCtl("start"),
    stop: () => pgCtl("stop"),
    async remove() {
      await pgCtl("stop").catch(() => {});
      dir.remove();
    },
  };
}
