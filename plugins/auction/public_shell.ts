/**
 * The public pages' shell, one look for all of them (`/`, `/auctions/:id`, the
 * link page, `/bidders/:handle`): a mobile-first stylesheet served from
 * `/public.css`, a header and footer, and the headers every public page
 * carries. No tracking: no cookie, no third-party request of any kind, no
 * inline script (the CSP forbids it), no referrer sent. Every text put in a page
 * goes through `escapeHtml`.
 */
import type { Context } from "hono";

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Own origin only; images may be data: (the QR code). */
export const PUBLIC_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function publicHeaders(c: Context) {
  c.header("content-security-policy", PUBLIC_CSP);
  c.header("referrer-policy", "no-referrer");
  c.header("x-content-type-options", "nosniff");
  c.header("x-frame-options", "DENY");
  c.header("permissions-policy", "interest-cohort=(), browsing-topics=()");
}

export interface ShellOptions {
  title: string;
  /** Server-rendered HTML (already escaped by the caller). */
  body: string;
  /** Same-origin module scripts to load. */
  scripts?: string[];
  /** Same-origin stylesheets; default `/public.css` (the auction's). */
  styles?: string[];
  /** Which nav entry is this page. */
  here?: "now" | "link" | "bids";
}

export function publicPage(o: ShellOptions): string {
  const nav = (href: string, key: ShellOptions["here"], label: string) =>
    `<a href="${href}"${o.here === key ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(o.title)} · SothebAIs</title>
${(o.styles ?? ["/public.css"]).map((s) => `<link rel="stylesheet" href="${s}">`).join("\n")}
${(o.scripts ?? []).map((s) => `<script type="module" src="${s}"></script>`).join("\n")}
</head><body>
<header class="top"><a class="brand" href="/">SothebAIs</a>
<nav>${nav("/", "now", "Now")}${nav("/link", "link", "Link a wallet")}</nav></header>
<main id="main">${o.body}</main>
<footer class="foot">Bids are tweets: every decision here can be checked against X.
No cookies, no trackers.</footer>
</body></html>`;
}

export { ethText, nyText } from "./public_format.js";

export const PUBLIC_CSS = `
:root{--bg:#0f0d0b;--card:#1b1814;--line:#332d26;--fg:#f3ede4;--dim:#b3a797;--gold:#d9b36c;
--ok:#7fc48a;--no:#e48a7a;--radius:14px;color-scheme:dark}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
a{color:var(--gold)}
.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;
padding:.8rem 1rem;border-bottom:1px solid var(--line)}
.brand{font:700 1.2rem/1 Georgia,serif;letter-spacing:.04em;color:var(--fg);text-decoration:none}
.top nav{display:flex;gap:1rem}
.top nav a{text-decoration:none;color:var(--dim)}
.top nav a[aria-current]{color:var(--gold)}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font:700 1.6rem/1.2 Georgia,serif;margin:.2rem 0 .6rem}
h2{font:600 1.1rem/1.3 system-ui,sans-serif;margin:1.6rem 0 .6rem;color:var(--dim);
text-transform:uppercase;letter-spacing:.06em}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:1rem}
.lot{display:grid;gap:1rem}
.lot img{width:100%;max-height:24rem;object-fit:contain;border-radius:10px;background:#000}
.lot img[hidden]{display:none}
.figures{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.8rem}
.figure b{display:block;font-size:1.5rem;font-variant-numeric:tabular-nums}
.figure span{color:var(--dim);font-size:.85rem}
.status{display:inline-block;padding:.1rem .6rem;border-radius:99px;border:1px solid var(--line);
font-size:.85rem;color:var(--dim)}
.status.open{color:var(--ok);border-color:var(--ok)}
.steps{margin:0;padding-left:1.3rem}
.steps li{margin:.4rem 0}
code,.code{font-family:ui-monospace,Menlo,monospace;background:#000;padding:.1rem .4rem;
border-radius:6px}
.bids{list-style:none;margin:0;padding:0}
.bids li{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:.1rem .8rem;padding:.6rem 0;
border-bottom:1px solid var(--line)}
.bids .who{font-weight:600}
.bids .amt{text-align:right;font-variant-numeric:tabular-nums}
.bids .why{grid-column:1/-1;color:var(--dim);font-size:.85rem}
.accepted .amt{color:var(--ok)}
.rejected .amt,.voided .amt{color:var(--no);text-decoration:line-through}
table.log{width:100%;border-collapse:collapse;font-size:.9rem}
table.log th,table.log td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);
vertical-align:top}
table.log th{color:var(--dim);font-weight:600}
@media (max-width:40rem){
table.log thead{display:none}
table.log,table.log tbody,table.log tr,table.log td{display:block;width:100%}
table.log tr{padding:.5rem 0;border-bottom:1px solid var(--line)}
table.log td{border:0;padding:.1rem 0}
table.log td::before{content:attr(data-label) ": ";color:var(--dim)}
}
.next{list-style:none;padding:0;margin:0;display:grid;gap:.5rem}
.live-dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:var(--dim);
margin-right:.3rem}
.live-dot.on{background:var(--ok)}
.button{display:inline-block;background:var(--gold);color:#1b1408;border:0;border-radius:10px;
padding:.75rem 1.1rem;font:600 1rem system-ui,sans-serif;text-decoration:none;cursor:pointer}
.button[disabled]{opacity:.5;cursor:default}
input{font:inherit;padding:.6rem .7rem;border-radius:10px;border:1px solid var(--line);
background:#000;color:var(--fg);width:100%;max-width:20rem}
.dim{color:var(--dim)}
.error{color:var(--no)}
.foot{max-width:60rem;margin:2rem auto;padding:1rem;color:var(--dim);font-size:.85rem}
@media (min-width:48rem){
.lot{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
.figures{grid-template-columns:repeat(3,minmax(0,1fr))}
h1{font-size:2.1rem}
}
`;
