/**
 * A real anvil node as a child process. The binary comes from the npm platform
 * package `@foundry-rs/anvil-linux-amd64` (an optional dependency of the pinned
 * `@foundry-rs/anvil`, installed by `deno install`); `ANVIL_BIN` overrides it.
 * We run the binary itself: killing an `npx anvil` wrapper would leave anvil running.
 */

export interface AnvilNode {
  url: string;
  port: number;
  pid: number;
  /** Stops it and waits for the exit: SIGKILL by default; SIGTERM lets `--state` dump first. */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
}

export interface AnvilOptions {
  port?: number;
  chainId?: number;
  /** Extra command-line flags, e.g. `--no-mining`, `--timestamp 1700000000`. */
  args?: string[];
  /**
   * Its own session: a terminal's Ctrl-C (sent to the whole foreground group) then reaches
   * only the engine, which stops anvil in order, after the plugins that use it.
   */
  detached?: boolean;
}

/** The anvil executable: `ANVIL_BIN`, else the platform package under node_modules. */
export function anvilBinary(): string {
  const fromEnv = Deno.env.get("ANVIL_BIN");
  if (fromEnv) return fromEnv;
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "amd64";
  const os = Deno.build.os === "darwin" ? "darwin" : "linux";
  const pkg = `anvil-${os}-${arch}`;
  const roots = [Deno.cwd(), new URL("../../", import.meta.url).pathname];
  for (const root of roots) {
    const hoisted = `${root}/node_modules/@foundry-rs/${pkg}/bin/anvil`;
    if (exists(hoisted)) return hoisted;
    try {
      for (const entry of Deno.readDirSync(`${root}/node_modules/.deno`)) {
        if (!entry.name.startsWith(`@foundry-rs+${pkg}@`)) continue;
        const bin =
          `${root}/node_modules/.deno/${entry.name}/node_modules/@foundry-rs/${pkg}/bin/anvil`;
        if (exists(bin)) return bin;
      }
    } catch { /* no node_modules here */ }
  }
  throw new Error(
    `anvil not found: run \`deno install\` (installs @foundry-rs/${pkg}) or set ANVIL_BIN`,
  );
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts anvil on loopback and resolves once it answers JSON-RPC. */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilNode> {
  const port = options.port ?? freePort();
  const args = ["--host", "127.0.0.1", "--port", String(port), "--silent"];
  if (options.chainId) args.push("--chain-id", String(options.chainId));
  args.push(...(options.args ?? []));
  const child = new Deno.Command(anvilBinary(), {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    detached: options.detached,
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stderr = new Response(child.stderr).text();
  const deadline = Date.now() + 10_000;
  while (true) {
    if (exited) throw new Error(`anvil exited at start: ${await stderr}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("anvil did not answer within 10 s");
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    port,
    pid: child.pid,
    async stop(signal = "SIGKILL") {
      const kill = (s: "SIGKILL" | "SIGTERM") => {
        try {
          if (!exited) child.kill(s);
        } catch { /* already gone */ }
      };
      kill(signal);
      if (signal === "SIGTERM") {
        const timer = setTimeout(() => kill("SIGKILL"), 3000);
        await status;
        clearTimeout(timer);
      }
      await status;
      await stderr.catch(() => "");
    },
  };
}
