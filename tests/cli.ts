/**
 * The CLI as operators run it, for tests: `main.ts` in a child process on its
 * own data folder and port, its output read line by line.
 */
import { pluginModule } from "../core/config.ts";

const rootUrl = new URL("../", import.meta.url);
const root = rootUrl.pathname;
export { root };

/** The CLI on embedded storage (whatever this process's DATABASE_URL/REDIS_URL) unless `env` says otherwise. */
export function cli(args: string[], env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}main.ts`, ...args],
    env: { NO_COLOR: "1", DATABASE_URL: "", REDIS_URL: "", ...env },
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
}

export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
) {
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  }
}

export function killQuietly(child: Deno.ChildProcess, signal: Deno.Signal = "SIGKILL") {
  try {
    child.kill(signal);
  } catch { /* already exited */ }
}

/**
 * Ports a test's servers take are drawn from below the kernel's ephemeral range
 * (32768 and up): a client reconnecting to a server the test has stopped must
 * never be given that very port as its own source port (TCP connects to itself,
 * and the restarted server cannot bind).
 */
const PORTS = { from: 20_000, to: 32_000 };

export function freePort(): number {
  for (let tries = 0; tries < 500; tries++) {
    const port = PORTS.from + Math.floor(Math.random() * (PORTS.to - PORTS.from));
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch { /* taken: another */ }
  }
  throw new Error(`no free port between ${PORTS.from} and ${PORTS.to}`);
}

/** Waits for `child` to exit, up to `ms`; SIGKILLs it then and waits again. */
export async function exited(child: Deno.ChildProcess, ms = 10_000): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), ms));
  const status = await Promise.race([child.status, late]).finally(() => clearTimeout(timer));
  if (status !== "late") return status;
  killQuietly(child);
  return await child.status;
}

/** A running `main.ts start`: its JSON log lines, and a promise per line matched. */
export interface Running {
  child: Deno.ChildProcess;
  lines: string[];
  /** Resolves with the first log entry (parsed) whose message is `msg`. */
  entry(msg: string): Promise<Record<string, unknown>>;
  /** Everything the process wrote to stderr, once it has exited. */
  stderr: Promise<string>;
  /** Resolves when stdout is closed. */
  done: Promise<void>;
}

export function startCli(args: string[], env: Record<string, string>): Running {
  const child = cli(["start", ...args], env).spawn();
  const lines: string[] = [];
  const waiting: Array<[string, (e: Record<string, unknown>) => void]> = [];
  const parsed = (line: string) => {
    try {
      return JSON.parse(line);
    } catch {
      return null;
    }
  };
  const done = readLines(child.stdout, (line) => {
    lines.push(line);
    const e = parsed(line);
    for (const [msg, resolve] of waiting) if (e?.msg === msg) resolve(e);
  });
  return {
    child,
    lines,
    entry(msg) {
      const found = lines.map(parsed).find((e) => e?.msg === msg);
      if (found) return Promise.resolve(found);
      const { promise, resolve } = Promise.withResolvers<Record<string, unknown>>();
      waiting.push([msg, resolve]);
      return Promise.race([
        promise,
        child.status.then(async (s) => {
          throw new Error(`exited (${s.code}) before "${msg}": ${await this.stderr}`);
        }),
      ]);
    },
    stderr: new Response(child.stderr).text(),
    done,
  };
}

/** A test that failed after a SIGKILL may leave its embedded anvil running: stop it by its pid. */
export function killLeftoverAnvil(dataDir: string) {
  try {
    Deno.kill(Number(Deno.readTextFileSync(`${dataDir}/chain/anvil.pid`)), "SIGKILL");
  } catch { /* stopped with its engine */ }
}

/** Writes a config file listing plugins by folder under plugins/ with their configs; returns its path. */
export function writeShowConfig(
  file: string,
  plugins: Array<[name: string, config?: Record<string, unknown>]>,
): string {
  const entries = plugins.map(([name, config]) => ({
    module: `${root}plugins/${name}/mod.ts`,
    ...(config ? { config } : {}),
  }));
  Deno.writeTextFileSync(file, JSON.stringify({ sothebais: { plugins: entries } }));
  return file;
}

/**
 * Writes `dir/sothebais.json` for `main.ts start`: the funds book, one auction open
 * from a minute ago for 30 minutes, and the x plugin reading `fakeXUrl` without the
 * stream (every mention from the timeline, backfilled). Returns the file's path.
 */
export function bidShowConfig(
  dir: string,
  o: {
    fakeXUrl: string;
    auctionId: string;
    item: string;
    minPollMs: number;
    /** More plugins (folders under plugins/, e.g. backup; or with a config), listed last. */
    more?: Array<string | { name: string; config: Record<string, unknown> }>;
    /** Bids a bidder may make in a window (default 1000 a minute: no limit in practice). */
    rateLimit?: { bids: number; perSeconds: number };
    /** The auction's `public` settings (e.g. the live feed's caps), else its defaults. */
    auctionPublic?: Record<string, unknown>;
  },
): string {
  const now = Temporal.Now.instant();
  const config = {
    sothebais: {
      plugins: [
        { module: `${root}plugins/funds-book/mod.ts` },
        {
          module: `${root}plugins/auction/mod.ts`,
          config: {
            watermark: "clock",
            rateLimit: o.rateLimit ?? { bids: 1000, perSeconds: 60 },
            ...(o.auctionPublic ? { public: o.auctionPublic } : {}),
            auctions: [{
              id: o.auctionId,
              item: o.item,
              startsAt: now.subtract({ minutes: 1 }).toString(),
              endsAt: now.add({ minutes: 30 }).toString(),
              maxEndsAt: now.add({ minutes: 60 }).toString(),
              reserve: "1 ETH",
              minIncrementBps: 10,
            }],
          },
        },
        {
          module: `${root}plugins/x/mod.ts`,
          config: {
            baseUrl: o.fakeXUrl,
            tier: "pro",
            stream: false,
            minPollMs: o.minPollMs,
            ingestLagMs: 0,
            backfill: true,
          },
        },
        ...(o.more ?? []).map((p) =>
          typeof p === "string"
            ? { module: `${root}plugins/${p}/mod.ts` }
            : { module: `${root}plugins/${p.name}/mod.ts`, config: p.config }
        ),
      ],
    },
  };
  const file = `${dir}/sothebais.json`;
  Deno.writeTextFileSync(file, JSON.stringify(config));
  return file;
}

/** One plugin of the project's list as `main.ts start --config` reads it. */
export interface ShowPlugin {
  module: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

/**
 * Writes `file` for `main.ts start`: the project's own plugin list (`deno task start`'s demo
 * show: the embedded chain, the fake X, the simulated crowd), each module by absolute path, each
 * config as shipped unless `tweak` changes it (given the plugin's name, or "admin"). Returns `file`.
 */
export function writeDemoConfig(
  file: string,
  tweak: (name: string, config: Record<string, unknown>) => void = () => {},
): string {
  const project = JSON.parse(Deno.readTextFileSync(`${root}deno.json`));
  const plugins = project.sothebais.plugins.map(
    (
      p: { name?: string; module?: string; enabled?: boolean; config?: Record<string, unknown> },
    ): ShowPlugin => {
      const config = structuredClone(p.config ?? {});
      tweak(p.name ?? (p.module?.includes("admin") ? "admin" : p.module!), config);
      return {
        module: p.module ? new URL(p.module, rootUrl).href : pluginModule(p.name!, rootUrl),
        enabled: p.enabled ?? true,
        config,
      };
    },
  );
  Deno.writeTextFileSync(file, JSON.stringify({ sothebais: { plugins } }));
  return file;
}
