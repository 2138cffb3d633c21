/**
 * The link page's HTTP side, under /link: the page, its Preact bundle (built
 * once with esbuild, kept in memory), and the two JSON steps of the SIWE flow.
 * A body that is not a JSON object is a 400 naming what is wanted; challenges
 * are limited per client address (`linkRateLimit`), as each one is stored.
 */
import type { Context, Hono } from "hono";
import { rateLimiter } from "./rate_limit.ts";
import { issueChallenge, submitSignature, type WalletLinkDeps } from "./wallet_link.ts";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Link your wallet · SothebAIs</title></head>
<body><div id="app"></div><script type="module" src="/link/app.js"></script></body></html>`;

let bundle: Promise<string> | null = null;

/** The client bundle; preact is resolved from Deno's node_modules. */
function buildBundle(): Promise<string> {
  bundle ??= (async () => {
    const esbuild = await import("esbuild");
    const root = new URL("../../", import.meta.url).pathname;
    const nodePaths = [`${root}node_modules`];
    try {
      for (const entry of Deno.readDirSync(`${root}node_modules/.deno`)) {
        if (entry.name.startsWith("preact@")) {
          nodePaths.push(`${root}node_modules/.deno/${entry.name}/node_modules`);
        }
      }
    } catch { /* hoisted layout */ }
    const result = await esbuild.build({
      entryPoints: [new URL("./link_page_client.ts", import.meta.url).pathname],
      bundle: true,
      write: false,
      format: "esm",
      minify: true,
      target: "es2020",
      nodePaths,
      logLevel: "silent",
    });
    await esbuild.stop();
    return result.outputFiles[0].text;
  })();
  bundle.catch(() => (bundle = null));
  return bundle;
}

/** The JSON object of a request, or null (not JSON, or `null`, an array, a number…). */
async function objectBody(c: Context): Promise<Record<string, unknown> | null> {
  const body = await c.req.json().catch(() => null);
  return body && typeof body === "object" && !Array.isArray(body) ? body : null;
}

/** The connecting address (Deno.serve's; behind a proxy, the proxy's). */
function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "unknown";
}

export function mountLinkPage(
  http: Hono,
  deps: () => WalletLinkDeps,
  limit: { challenges: number; perSeconds: number } = { challenges: 20, perSeconds: 60 },
) {
  const challenges = rateLimiter({ limit: limit.challenges, windowMs: limit.perSeconds * 1000 });
  http.get("/link", (c) => c.html(PAGE));
  http.get(
    "/link/app.js",
    async (c) =>
      c.body(await buildBundle(), 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  http.post("/link/challenge", async (c) => {
    const wait = challenges.hit(clientAddress(c));
    if (wait) {
      return c.json({ ok: false, error: `too many link requests: try again in ${wait} s` }, 429, {
        "retry-after": String(wait),
      });
    }
    const body = await objectBody(c);
    if (!body) {
      return c.json(
        { ok: false, error: "the body must be a JSON object: { address, handle }" },
        400,
      );
    }
    const result = await issueChallenge(deps(), {
      address: String(body.address ?? ""),
      handle: String(body.handle ?? ""),
      xUserId: body.xUserId ? String(body.xUserId) : undefined,
      chainId: typeof body.chainId === "number" ? body.chainId : undefined,
    });
    return c.json(result, result.ok ? 200 : 400);
  });
  http.post("/link/signature", async (c) => {
    const body = await objectBody(c);
    if (!body) {
      return c.json(
        { ok: false, error: "the body must be a JSON object: { message, signature }" },
        400,
      );
    }
    const result = await submitSignature(deps(), {
      message: String(body.message ?? ""),
      signature: String(body.signature ?? ""),
    });
    return c.json(result, result.ok ? 200 : 400);
  });
}
