/**
 * The link page's HTTP side, under /link: the page, its Preact bundle (built
 * once with esbuild, kept in memory), and the two JSON steps of the SIWE flow.
 */
import type { Hono } from "hono";
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

export function mountLinkPage(http: Hono, deps: () => WalletLinkDeps) {
  http.get("/link", (c) => c.html(PAGE));
  http.get(
    "/link/app.js",
    async (c) =>
      c.body(await buildBundle(), 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  http.post("/link/challenge", async (c) => {
    const body = await c.req.json().catch(() => ({}));
    const result = await issueChallenge(deps(), {
      address: String(body.address ?? ""),
      handle: String(body.handle ?? ""),
      xUserId: body.xUserId ? String(body.xUserId) : undefined,
      chainId: typeof body.chainId === "number" ? body.chainId : undefined,
    });
    return c.json(result, result.ok ? 200 : 400);
  });
  http.post("/link/signature", async (c) => {
    const body = await c.req.json().catch(() => ({}));
    const result = await submitSignature(deps(), {
      message: String(body.message ?? ""),
      signature: String(body.signature ?? ""),
    });
    return c.json(result, result.ok ? 200 : 400);
  });
}
