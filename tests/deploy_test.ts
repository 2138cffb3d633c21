/**
 * Deployment: compose.yaml validates (`docker-compose config`, the validator
 * Debian ships; no engine needed) and passes the app every variable the
 * production profile requires; the RTMP relay takes its push to X from the
 * environment — a stream published to it arrives, under the stream key, at a
 * second nginx-rtmp standing in for X's ingest — and refuses values that are
 * not one URL.
 */
import { assert, assertEquals, assertMatch, eventually } from "../core/testing.ts";
import { nginxRtmp, nginxRtmpAvailable } from "../plugins/stream/tests/nginx_rtmp.ts";
import { ffprobe } from "../plugins/stream/tests/stream_engine.ts";
import { freePort, root } from "./cli.ts";
import { commandWorks, serviceAvailable, tempDir } from "./services.ts";

const composeReady = await serviceAvailable(
  "docker-compose",
  () => commandWorks("docker-compose", ["version"]),
);
const relayReady = await serviceAvailable("nginx-rtmp", nginxRtmpAvailable) &&
  await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg"));

const run = async (cmd: string, args: string[], env: Record<string, string> = {}) => {
  const out = await new Deno.Command(cmd, { args, env, cwd: root, stdin: "null" }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
};

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "compose.yaml validates, and gives the app every variable the production profile needs",
  ignore: !composeReady,
  async fn() {
    const args = ["--env-file", "deploy/example.env", "-f", "compose.yaml", "config"];
    const config = await run("docker-compose", args);
    assertEquals(config.code, 0, config.stderr);
    // Required references (no `:-` default) of the production profile.
    const prod = Deno.readTextFileSync(`${root}sothebais.prod.json`);
    const required = new Set([...prod.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]));
    assert(required.has("RPC_URLS") && required.has("X_API_KEY"));
    for (const name of required) assertMatch(config.stdout, new RegExp(`\\n\\s+${name}: `), name);
    assertMatch(config.stdout, /SOTHEBAIS_CONFIG: sothebais\.prod\.json/);
    // Without the values it must not start: the missing one is named.
    const missing = await run("docker-compose", ["-f", "compose.yaml", "config", "-q"]);
    assertEquals(missing.code, 1);
    assertMatch(missing.stderr, /set [A-Z_]+/);
  },
});

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "the RTMP relay pushes what it receives to X_RTMP_URL/X_STREAM_KEY, from the environment",
  ignore: !relayReady,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ingest = await nginxRtmp(); // X's ingest, recording what arrives
    const dir = tempDir();
    const port = freePort();
    const relay = new Deno.Command("sh", {
      args: [`${root}deploy/rtmp-relay.sh`],
      env: {
        X_RTMP_URL: ingest.url,
        X_STREAM_KEY: "x-key-123",
        RELAY_LISTEN: `127.0.0.1:${port}`,
        RELAY_RUN_DIR: dir.path,
        RELAY_CONF: `${dir.path}/nginx.conf`,
      },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const relayLog = new Response(relay.stderr).text();
    try {
      await eventually(
        async () => {
          try {
            (await Deno.connect({ hostname: "127.0.0.1", port })).close();
            return true;
          } catch {
            return false;
          }
        },
        "the relay listening",
        10_000,
        100,
      );
      const publish = await new Deno.Command("ffmpeg", {
        args: [
          ...["-hide_banner", "-loglevel", "error", "-re"],
          ...["-f", "lavfi", "-i", "testsrc=size=320x180:rate=30", "-t", "3"],
          ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-f", "flv"],
          `rtmp://127.0.0.1:${port}/live/program`,
        ],
        stdin: "null",
      }).output();
      assert(publish.success, new TextDecoder().decode(publish.stderr));
      let file = "";
      await eventually(
        () => {
          const found = [...Deno.readDirSync(ingest.recordDir)].find((e) =>
            e.name.startsWith("x-key-123") &&
            Deno.statSync(`${ingest.recordDir}/${e.name}`).size > 0
          );
          file = found ? `${ingest.recordDir}/${found.name}` : "";
          return Boolean(found);
        },
        "the program at X's ingest",
        10_000,
        100,
      );
      await new Promise((r) => setTimeout(r, 500)); // the ingest closes its recording
      const probe = await ffprobe(["-show_streams", file]);
      assertEquals(probe.streams?.[0]?.codec_name, "h264");
      assertEquals([probe.streams?.[0]?.width, probe.streams?.[0]?.height], [320, 180]);
    } finally {
      try {
        relay.kill("SIGTERM");
      } catch { /* gone */ }
      await relay.status;
      await ingest.remove();
      dir.remove();
    }
    // It says where it pushes, never the key.
    const said = await relayLog;
    assertMatch(said, /pushing to rtmp:\/\/127\.0\.0\.1:\d+ /);
    assert(!said.includes("x-key-123"));
  },
});

Deno.test("the RTMP relay refuses a push that is not one rtmp:// URL, before nginx starts", async () => {
  const relay = (env: Record<string, string>) =>
    run("sh", [`${root}deploy/rtmp-relay.sh`], { RELAY_RENDER_ONLY: "1", ...env });
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{}, /set X_RTMP_URL/],
    [{ X_RTMP_URL: "rtmps://ingest.example:443/x" }, /pushes rtmp:\/\/ only/],
    [{ X_RTMP_URL: "http://ingest.example/x" }, /must start with rtmp:\/\//],
    [{ X_RTMP_URL: "rtmp://a/x", X_STREAM_KEY: "k; push rtmp://evil/x" }, /characters a URL/],
    [{ X_RTMP_URL: "rtmp://a/x}\nrtmp {" }, /characters a URL/],
    [{ X_RTMP_URL: "rtmp://a/x", RELAY_ALLOW_PUBLISH: "all; push rtmp://evil" }, /not an address/],
  ];
  for (const [env, message] of cases) {
    const out = await relay(env);
    assertEquals(out.code, 1, JSON.stringify(env));
    assertMatch(out.stderr, message);
  }
  const ok = await relay({ X_RTMP_URL: "rtmp://va.pscp.tv:80/x/", X_STREAM_KEY: "abc" });
  assertEquals(ok.code, 0, ok.stderr);
  assertMatch(ok.stdout, /\n\s+push rtmp:\/\/va\.pscp\.tv:80\/x\/abc;\n/);
});
