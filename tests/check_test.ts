/**
 * `main.ts check` against live stand-ins of every outside service — the fake X
 * (auth, the tier's limits from its headers), two anvil providers (chain id,
 * head, agreement), a local OpenAI-compatible model (one token), nginx-rtmp (the
 * handshake), Postgres and Redis — and against dead ports, where each service
 * is one problem line and the command fails, quickly, printing no secret.
 */
import { assert, assertEquals, assertMatch } from "../core/testing.ts";
import { anvilAvailable, escrow, startAnvil } from "../plugins/chain/tests/chain_kit.ts";
import { serveFakeX } from "../stand-ins/fake-x/mod.ts";
import { nginxRtmp, nginxRtmpAvailable } from "../plugins/stream/tests/nginx_rtmp.ts";
import { cli, freePort, root } from "./cli.ts";
import { serviceAvailable, tempDir } from "./services.ts";

const databaseUrl = Deno.env.get("DATABASE_URL");
const redisUrl = Deno.env.get("REDIS_URL");
const ready = await anvilAvailable() &&
  await serviceAvailable("nginx-rtmp", nginxRtmpAvailable) &&
  await serviceAvailable("postgres", () => databaseUrl) &&
  await serviceAvailable("redis", () => redisUrl);

const SECRETS = {
  X_API_KEY: "check-api-key-123456",
  X_API_SECRET: "check-api-secret-123456",
  X_ACCESS_TOKEN: "check-access-token-123456",
  X_ACCESS_SECRET: "check-access-secret-123456",
  LLM_API_KEY: "sk-check-llm-key-123456",
  STREAM_KEY: "check-stream-key-123456",
  ESCROW_PRIVATE_KEY: escrow.privateKey,
  // The key for data at rest (base64 of 32 bytes), which the production profile requires.
  SECRETS_KEY: "Y2hlY2stc2VjcmV0cy1rZXktMzItYnl0ZXMtbG9uZyE=",
};

/** The production plugins whose services `check` probes, and those they need. */
function config(dir: string) {
  const path = `${dir}/sothebais.check.json`;
  const prod = JSON.parse(Deno.readTextFileSync(`${root}sothebais.prod.json`)).sothebais;
  const plugins = prod.plugins
    .filter((p: { name: string }) =>
      ["chain", "auction", "x", "host", "compositor", "voice", "stream"].includes(p.name)
    )
    .map((p: { name: string; config: unknown }) => ({
      module: `${root}plugins/${p.name}/mod.ts`,
      config: p.config,
    }));
  Deno.writeTextFileSync(path, JSON.stringify({ sothebais: { profile: "production", plugins } }));
  return path;
}

/** An OpenAI-compatible model server that answers one token. */
function fakeModel() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json();
    const authorised = req.headers.get("authorization") === `Bearer ${SECRETS.LLM_API_KEY}`;
    if (!authorised) return Response.json({ error: { message: "bad key" } }, { status: 401 });
    return Response.json({
      id: "c1",
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices: [{
        index: 0,
        message: { role: "assistant", content: "OK" },
        finish_reason: "length",
      }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/v1`, stop: () => server.shutdown() };
}

async function check(path: string, env: Record<string, string>) {
  const t = performance.now();
  const out = await cli(["check", "--config", path, "--timeout", "2"], {
    DATA_DIR: "/nonexistent-check-dir",
    ...env,
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const lines = text.trim().split("\n").map((l) => {
    const [, part, status, rest] = l.match(/^(\S+)\s+(ok|missing|problem)\s+(.*)$/) ?? [];
    return { part, status, text: rest, line: l };
  });
  return {
    code: out.code,
    lines,
    text,
    stderr: new TextDecoder().decode(out.stderr),
    ms: performance.now() - t,
  };
}

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name:
    "check: every part configured and answering → ok lines, exit 0; a wrong X_TIER is one problem",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    const x = serveFakeX({ tier: "basic", hostHandle: "SothebAIs" });
    // Two providers of one chain: the same genesis, whichever second each node starts in.
    const genesis = ["--timestamp", String(Math.floor(Date.now() / 1000))];
    const a = await startAnvil({ chainId: 31337, args: genesis });
    const b = await startAnvil({ chainId: 31337, args: genesis });
    const model = fakeModel();
    const rtmp = await nginxRtmp();
    try {
      const env = {
        ...SECRETS,
        DATABASE_URL: databaseUrl!,
        REDIS_URL: redisUrl!,
        RPC_URLS: `${a.url},${b.url}`,
        CHAIN_ID: "31337",
        ESCROW_ADDRESS: escrow.account.address,
        X_HOST_HANDLE: "SothebAIs",
        X_TIER: "basic",
        X_API_BASE_URL: x.url,
        LLM_BASE_URL: model.url,
        RTMP_URL: rtmp.url,
        PUBLIC_URL: "https://show.example",
      };
      const path = config(dir.path);
      const ok = await check(path, env);
      assertEquals(ok.code, 0, ok.text + ok.stderr);
      const said = (part: string, pattern: RegExp) =>
        assert(
          ok.lines.some((l) => l.part === part && l.status === "ok" && pattern.test(l.text)),
          `${part} ${pattern}:\n${ok.text}`,
        );
      said("profile", /^production \(.*\): 7 of 7 plugins load$/);
      said("storage", /^Postgres at postgres:\/\/127\.0\.0\.1:5432\/test answers/);
      said("secrets", /^SECRETS_KEY set \(key [0-9a-f]{8}\) seals data at rest$/);
      said("state", /^Redis at redis:\/\/127\.0\.0\.1:6379 answers PING$/);
      said("x", /authenticated as @SothebAIs \(id \d+\)$/);
      said("x", /^tier basic: mentions reads: 10 per 15 min \(\d+ left\)$/);
      said("chain", /^provider 1 \(http:\/\/127\.0\.0\.1:\d+\): chain 31337, head block \d+$/);
      said("chain", /^provider 2 .*: chain 31337/);
      said("chain", /^2 providers agree on block \d+ \(0x[0-9a-f]{64}\)$/);
      said("chain", new RegExp(`^escrow ${escrow.account.address}: 10000 ETH`));
      said("host", /^model gpt-4o-mini at 127\.0\.0\.1:\d+ answered "OK"/);
      said(
        "host",
        /^character Marlowe \(\S+\/plugins\/host\/characters\/marlowe\.json\) is valid$/,
      );
      said("stream", /^rtmp:\/\/127\.0\.0\.1:\d+ answers the RTMP handshake/);
      assertEquals(ok.lines.filter((l) => l.status === "problem"), []);
      for (const secret of Object.values(SECRETS)) assert(!ok.text.includes(secret), secret);

      // The account's tier read from X's headers, against what X_TIER claims.
      const wrong = await check(path, { ...env, X_TIER: "pro" });
      assertEquals(wrong.code, 1);
      assertEquals(wrong.lines.filter((l) => l.status === "problem").map((l) => l.line), [
        wrong.lines.find((l) => /X_TIER=pro expects 300 per 15 min/.test(l.text))!.line,
      ]);
    } finally {
      await rtmp.remove();
      await model.stop();
      await a.stop();
      await b.stop();
      await x.stop();
      dir.remove();
    }
  },
});

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "check: dead ports → one problem line per service, exit 1, within the timeouts",
  ignore: !ready,
  async fn() {
    const dir = tempDir();
    try {
      const dead = () => `127.0.0.1:${freePort()}`;
      const out = await check(config(dir.path), {
        ...SECRETS,
        DATABASE_URL: `postgres://postgres@${dead()}/test`,
        REDIS_URL: `redis://${dead()}`,
        RPC_URLS: `http://${dead()},http://${dead()}`,
        CHAIN_ID: "1",
        ESCROW_ADDRESS: escrow.account.address,
        X_HOST_HANDLE: "SothebAIs",
        X_TIER: "basic",
        X_API_BASE_URL: `http://${dead()}`,
        LLM_BASE_URL: `http://${dead()}/v1`,
        RTMP_URL: `rtmp://${dead()}/live`,
        PUBLIC_URL: "https://show.example",
      });
      assertEquals(out.code, 1);
      const problems = out.lines.filter((l) => l.status === "problem");
      for (const part of ["storage", "state", "x", "host", "stream"]) {
        assertEquals(problems.filter((l) => l.part === part).length, 1, `${part}:\n${out.text}`);
      }
      // Each provider, and the quorum they cannot make.
      assertEquals(problems.filter((l) => /^provider \d/.test(l.text)).length, 2, out.text);
      assertMatch(out.text, /0 of 2 providers answer/);
      assert(out.ms < 30_000, `${out.ms} ms`);
      for (const secret of Object.values(SECRETS)) assert(!out.text.includes(secret), secret);
    } finally {
      dir.remove();
    }
  },
});
