/**
 * A real RTMP server for tests: nginx with Debian's RTMP module, on a free
 * loopback port, with its own temporary prefix and config, recording what it
 * receives. `stop()` and `start()` may be called again to simulate an outage.
 * Each publish is its own recording (`record_unique`): a test of one run asks
 * for `theRecording`, which fails naming them all when there is not exactly one.
 */
import { freePort } from "../../../tests/cli.ts";

export const RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

export interface NginxRtmp {
  /** rtmp://127.0.0.1:PORT/live (append `/<key>`). */
  url: string;
  /** Folder of `.flv` recordings of each publish. */
  recordDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

/** True when nginx runs and the RTMP module is installed. */
export async function nginxRtmpAvailable(): Promise<boolean> {
  await Deno.stat(RTMP_MODULE);
  const out = await new Deno.Command("nginx", { args: ["-v"], stdout: "null", stderr: "null" })
    .output();
  return out.success;
}

/** `record: false` keeps nothing (long benchmarks: an hour of 1080p is gigabytes). */
export async function nginxRtmp(options: { record?: boolean } = {}): Promise<NginxRtmp> {
  const prefix = await Deno.makeTempDir({ prefix: "sothebais-nginx-" });
  const recordDir = `${prefix}/record`;
  await Deno.mkdir(recordDir);
  const port = freePort();
  await Deno.writeTextFile(
    `${prefix}/nginx.conf`,
    `load_module ${RTMP_MODULE};
daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    application live {
      live on;
${
      options.record === false
        ? "      record off;\n"
        : `      record all;\n      record_path ${recordDir};\n      record_unique on;\n`
    }    }
  }
}
`,
  );
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command("nginx", {
      args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/error.log`],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // Ready when it accepts connections.
    for (let i = 0; i < 100; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`nginx did not start: ${await Deno.readTextFile(`${prefix}/error.log`)}`);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    try {
      c.kill("SIGTERM");
    } catch { /* gone */ }
    await c.status;
    await c.stderr.cancel().catch(() => {});
  };
  await start();
  return {
    url: `rtmp://127.0.0.1:${port}/live`,
    recordDir,
    start,
    stop,
    async remove() {
      await stop();
      await Deno.remove(prefix, { recursive: true });
    },
  };
}

/**
 * The one recording in `recordDir`; zero or several (the stream restarted: each publish is a
 * file) is an error naming them with their sizes, and `context` (e.g. the restarts counted).
 */
export function theRecording(recordDir: string, context = ""): string {
  const files = [...Deno.readDirSync(recordDir)]
    .filter((e) => e.isFile && e.name.endsWith(".flv"))
    .map((e) => e.name)
    .sort();
  if (files.length === 1) return `${recordDir}/${files[0]}`;
  const sizes = files.map((f) => `${f} (${Deno.statSync(`${recordDir}/${f}`).size} bytes)`);
  throw new Error(
    `expected one recording (one publish), found ${files.length}` +
      (files.length ? `: ${sizes.join(", ")}` : "") + (context ? `; ${context}` : ""),
  );
}
