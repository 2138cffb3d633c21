/**
 * The link page's HTTP side, under /link: the page (in the public pages' look),
 * its Preact bundle (built once with esbuild, kept in memory), its stylesheet,
 * the two JSON steps of the SIWE flow, the escrow address as a QR code
 * (EIP-681 `ethereum:` URI, from `qr`), and the status of one signed challenge:
 * whether its `link <code>` tweet came, and the deposits from its wallet with
 * their stage and confirmations. The status is read with the challenge's nonce,
 * which only the page that asked for it holds: nobody learns which X account a
 * wallet belongs to from this page (deposits to the escrow are public on chain).
 * A body that is not a JSON object of the step's own fields is a 400 naming what
 * is wanted (a key not asked for, a chain id that is no number, too); challenges
 * are limited per client address (`linkRateLimit`), as each one is stored.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { clientAddress } from "../../core/client_address.ts";
import { rateLimiter } from "./rate_limit.ts";
import encodeQR from "qr";
import { PUBLIC_CSS, publicHeaders, publicPage } from "../auction/mod.ts";
import { challengeContext, openAddress } from "./pairing.ts";
import { issueChallenge, submitSignature, type WalletLinkDeps } from "./wallet_link.ts";

export interface LinkPageInfo {
  escrow: string;
  chainId: number;
  confirmations: number;
  /** The host's X handle with @, as the tweets name it. */
  hostHandle: string;
}

const page = (info: LinkPageInfo) =>
  publicPage({
    title: "Link your wallet",
    here: "link",
    styles: ["/link/app.css"],
    scripts: ["/link/app.js"],
    body: `<div id="app" data-host="${info.hostHandle}" data-chain="${info.chainId}"
data-confirmations="${info.confirmations}"><p>This page needs JavaScript and a wallet.</p></div>`,
  });

const LINK_CSS = `
.step{margin:0 0 1rem}
.step h2{margin:0 0 .5rem;color:var(--fg);text-transform:none;letter-spacing:0;font-size:1.05rem}
.step.done h2::after{content:" ✓";color:var(--ok)}
.step.todo{opacity:.55}
.plain{background:#000;border-radius:10px;padding:.8rem;margin:.6rem 0}
.qr{width:12rem;height:12rem;background:#fff;border-radius:10px;padding:.3rem}
.addr{font-family:ui-monospace,Menlo,monospace;word-break:break-all}
.row{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center}
.deposits{list-style:none;padding:0;margin:.5rem 0}
.deposits li{padding:.4rem 0;border-bottom:1px solid var(--line)}
.stage{font-weight:600}.stage.final{color:var(--ok)}.stage.pending{color:var(--gold)}
.stage.reversed,.stage.dropped,.stage.failed{color:var(--no)}
details summary{cursor:pointer;color:var(--dim)}
pre{white-space:pre-wrap;font-size:.8rem}
`;

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

/** What the page shows after signing: linked yet, and the wallet's deposits to escrow. */
async function linkStatus(
  deps: WalletLinkDeps,
  info: LinkPageInfo,
  nonce: string,
  head: () => Promise<bigint | null>,
) {
  const [c] = await deps.db.query<{
    address: string;
    handle: string;
    verified_at: Date | null;
    used_at: Date | null;
  }>(
    "select address, handle, verified_at, used_at from chain_challenges where nonce = $1",
    [nonce],
  );
  if (!c || !c.verified_at) return null;
  // Sealed at rest (pairing.ts); shown only to the page holding the nonce, which signed it.
  const address = await openAddress(deps.box, c.address, {
    table: "chain_challenges",
    row: nonce,
    context: challengeContext("address", nonce),
  });
  const rows = await deps.db.query<{
    tx_hash: string;
    amount_wei: string;
    block_number: string;
    stage: string;
  }>(
    `select tx_hash, amount_wei, block_number, stage from chain_deposits
      where lower(address) = lower($1) order by block_number desc, tx_hash limit 20`,
    [address],
  );
  const top = await head();
  return {
    ok: true,
    address,
    handle: c.handle,
    linked: c.used_at !== null,
    escrow: info.escrow,
    chainId: info.chainId,
    confirmationsNeeded: info.confirmations,
    head: top === null ? null : top.toString(),
    deposits: rows.map((r) => ({
      txHash: r.tx_hash,
      amountWei: r.amount_wei,
      stage: r.stage,
      confirmations: top === null ? null : Math.max(0, Number(top - BigInt(r.block_number) + 1n)),
    })),
  };
}

/** The JSON object of a request, or null (not JSON, or `null`, an array, a number…). */
async function objectBody(c: Context): Promise<Record<string, unknown> | null> {
  const body = await c.req.json().catch(() => null);
  return body && typeof body === "object" && !Array.isArray(body) ? body : null;
}

/**
 * A body field as text: a string or a number as it is, anything else empty (refused by the
 * step as malformed). `String()` of a hostile object (`{"toString": 0}`) throws.
 */
const textOf = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");

const LINK_BODY_BYTES = 16 * 1024;

/** A key of `body` not among `wanted` (a 400's message), or null: only the step's own fields. */
function unknownKey(body: Record<string, unknown>, wanted: string[]): string | null {
  const extra = Object.keys(body).find((key) => !wanted.includes(key));
  if (extra === undefined) return null;
  return `unknown field ${JSON.stringify(extra.slice(0, 40))}: send only ${wanted.join(", ")}`;
}
const CHALLENGE_FIELDS = ["address", "handle", "xUserId", "chainId"];
const SIGNATURE_FIELDS = ["message", "signature"];

/**
 * The parts of the link page that read nothing but config: the page, its script and style,
 * and the escrow's QR code. A standby serves these too (link_standby.ts).
 */
export function mountLinkShell(http: Hono, info: () => LinkPageInfo) {
  let qr: { for: string; svg: string } | null = null;

  http.get("/link", (c) => {
    publicHeaders(c);
    return c.html(page(info()));
  });
  http.get("/link/app.css", (c) =>
    c.body(PUBLIC_CSS + LINK_CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "public, max-age=300",
    }));
  http.get(
    "/link/app.js",
    async (c) =>
      c.body(await buildBundle(), 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  http.get("/link/escrow.svg", (c) => {
    const { escrow, chainId } = info();
    const uri = `ethereum:${escrow}@${chainId}`;
    if (qr?.for !== uri) qr = { for: uri, svg: encodeQR(uri, "svg", { ecc: "medium", border: 2 }) };
    return c.body(qr.svg, 200, {
      "content-type": "image/svg+xml",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      "cache-control": "public, max-age=300",
    });
  });
}

export function mountLinkPage(
  http: Hono,
  deps: () => WalletLinkDeps,
  info: () => LinkPageInfo,
  limit: { challenges: number; perSeconds: number } = { challenges: 20, perSeconds: 60 },
) {
  const challenges = rateLimiter({ limit: limit.challenges, windowMs: limit.perSeconds * 1000 });
  // A link step is a few hundred bytes of JSON: far below the engine's ceiling.
  http.use(
    "/link/*",
    bodyLimit({
      maxSize: LINK_BODY_BYTES,
      onError: (c) =>
        c.json(
          { ok: false, error: `the body is too large: at most ${LINK_BODY_BYTES} bytes` },
          413,
        ),
    }),
  );
  // The head block, read at most once a second whatever the number of pages polling.
  let headAt = 0;
  let headRead: Promise<bigint | null> = Promise.resolve(null);
  const head = () => {
    if (Date.now() - headAt > 1000) {
      headAt = Date.now();
      headRead = deps().rpc.client.getBlockNumber({ cacheTime: 0 }).catch(() => null);
    }
    return headRead;
  };
  mountLinkShell(http, info);
  http.get("/link/status", async (c) => {
    const nonces = c.req.queries("nonce") ?? [];
    const nonce = nonces.length === 1 ? nonces[0] : "";
    c.header("cache-control", "no-store");
    if (!/^[A-Za-z0-9]{8,128}$/.test(nonce)) {
      return c.json({
        ok: false,
        message: "nonce: the challenge's nonce, once (8 to 128 letters and digits)",
      }, 400);
    }
    const status = await linkStatus(deps(), info(), nonce, head);
    if (!status) return c.json({ ok: false, message: "no signed challenge with this nonce" }, 404);
    return c.json(status);
  });
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
    const refused = unknownKey(body, CHALLENGE_FIELDS) ??
      (body.chainId !== undefined && !Number.isSafeInteger(body.chainId)
        ? "chainId: the wallet's chain id, a number"
        : null);
    if (refused) return c.json({ ok: false, error: refused }, 400);
    const result = await issueChallenge(deps(), {
      address: textOf(body.address),
      handle: textOf(body.handle),
      // Absent is no user id; anything else is checked as one (`null`, "" or false is refused).
      xUserId: body.xUserId === undefined ? undefined : textOf(body.xUserId),
      chainId: body.chainId as number | undefined,
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
    const refused = unknownKey(body, SIGNATURE_FIELDS);
    if (refused) return c.json({ ok: false, error: refused }, 400);
    const result = await submitSignature(deps(), {
      message: textOf(body.message),
      signature: textOf(body.signature),
    });
    return c.json(result, result.ok ? 200 : 400);
  });
}
