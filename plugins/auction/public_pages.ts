/**
 * The public pages of the auction, server-rendered with one small script:
 * `/` (the lot on the block: image, price, leader, time left, how to link and
 * bid, the last decisions, the next lots) and `/auctions/:id` (the full bid
 * log, a receipt anyone can check against X), kept live by `/auction/live`
 * (Server-Sent Events). They show only what bidders made public on X and what
 * the stream shows: no running maximum (the receipts hold it back), no reserve
 * secret (the reserve is announced), no report. The live feed (live_feed.ts)
 * bounds its listeners, in all and per client address, and drops one that does
 * not read; a page names the feed's event it was rendered at, and its script
 * catches up from there (replay or snapshot), so a dropped phone is right again
 * when it reconnects. A page is rendered at most once a second for all viewers.
 */
import type { Hono } from "hono";
import type { Bus } from "../../core/bus.ts";
import { clientAddress } from "../../core/client_address.ts";
import type { Db } from "../../core/db.ts";
import type { AuctionConfig } from "./plugin_config.ts";
import type { AuctionSnapshot } from "./snapshot.ts";
import type { Receipt } from "./store.ts";
import { liveFeed, receiptDecision } from "./live_feed.ts";
import { decisionWhy, entryKey } from "./public_format.js";
import {
  escapeHtml as e,
  ethText,
  nyText,
  PUBLIC_CSS,
  publicHeaders,
  publicPage,
} from "./public_shell.ts";

export interface PublicDeps {
  bus: Bus;
  db: Db;
  list(): AuctionSnapshot[];
  get(id: string): AuctionSnapshot | null;
  receipts(auctionId: string, afterSeq: number, limit: number): Promise<Receipt[]>;
  /** The host's X handle (with @) and the link page's address. */
  hostHandle: string;
  linkUrl: string;
  maxListeners: number;
  /** Most live listeners from one client address (core/client_address.ts). */
  maxListenersPerAddress: number;
}

/** The pages' settings from the plugin's `public` config (the leader's and a standby's alike). */
export const publicSettings = (p: AuctionConfig["public"]) => ({
  hostHandle: `@${p.hostHandle.replace(/^@/, "")}`,
  linkUrl: p.linkUrl ?? "/link",
  maxListeners: p.maxListeners,
  maxListenersPerAddress: p.maxListenersPerAddress,
});

const AUCTION_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
const LAST_BIDS = 10;
const PAGE_ROWS = 500;

/** The auction a visitor came for: open (or paused), else the next to open, else the last closed. */
export function currentAuction(list: AuctionSnapshot[]): AuctionSnapshot | null {
  const t = (s: string) => Temporal.Instant.from(s).epochMilliseconds;
  const live = list.filter((a) => a.status === "open" || a.status === "paused");
  if (live.length) return live.sort((a, b) => t(a.endsAt) - t(b.endsAt))[0];
  const next = list.filter((a) => a.status === "scheduled").sort((a, b) =>
    t(a.startsAt) - t(b.startsAt)
  );
  if (next.length) return next[0];
  return list.filter((a) => a.status === "closed").sort((a, b) => t(b.endsAt) - t(a.endsAt))[0] ??
    null;
}

const statusText: Record<string, string> = {
  scheduled: "opens soon",
  open: "open",
  paused: "paused",
  closed: "closed",
  cancelled: "cancelled",
};

function decisionItem(r: Receipt): string {
  const amount = r.amountWei !== null ? ethText(r.amountWei) : r.amountText ?? "";
  const why = decisionWhy(r);
  return `<li class="${e(r.decision)}" data-tweet="${e(r.tweetId)}" data-key="${e(entryKey(r))}">
<span class="who"><a href="/bidders/${e(r.handle.replace(/^@/, ""))}">${e(r.handle)}</a></span>
<span class="amt">${e(amount)}</span>
<span class="why">${e(why)} · <a href="${e(r.link)}" rel="noreferrer">tweet</a> · ${
    e(nyText(r.tweetAt))
  }</span></li>`;
}

function logRow(r: Receipt): string {
  const amount = r.amountWei !== null ? ethText(r.amountWei) : r.amountText ?? "";
  return `<tr class="${e(r.decision)}" data-tweet="${e(r.tweetId)}" data-key="${e(entryKey(r))}">
<td data-label="tweet"><a href="${e(r.link)}" rel="noreferrer">${e(r.tweetId)}</a>${
    r.proxy ? " (maximum bid)" : ""
  }</td>
<td data-label="time">${e(nyText(r.tweetAt))}</td>
<td data-label="handle"><a href="/bidders/${e(r.handle.replace(/^@/, ""))}">${e(r.handle)}</a></td>
<td data-label="amount">${e(amount)}</td>
<td data-label="decision">${e(r.decision)}</td>
<td data-label="reason">${e(r.message ?? r.reason ?? "")}</td></tr>`;
}

function lotFigures(a: AuctionSnapshot): string {
  const leader = a.leader
    ? `<a href="/bidders/${e(a.leader.handle.replace(/^@/, ""))}">${e(a.leader.handle)}</a>`
    : "no bid yet";
  return `<div class="figures">
<div class="figure"><b id="price">${e(a.priceWei === null ? "—" : ethText(a.priceWei))}</b>
<span>current bid</span></div>
<div class="figure"><b id="leader">${leader}</b><span>leading</span></div>
<div class="figure"><b id="left" data-starts="${e(a.startsAt)}" data-ends="${e(a.endsAt)}"
data-status="${e(a.status)}">${e(nyText(a.endsAt))}</b><span id="left-label">ends</span></div>
<div class="figure"><b id="min-next">${
    e(ethText(a.minNextWei))
  }</b><span>next bid at least</span></div>
<div class="figure"><b id="bid-count">${a.bidCount}</b><span>bids</span></div>
<div class="figure"><b>${e(ethText(a.reserveWei))}</b><span>reserve</span></div>
</div>`;
}

function howTo(d: PublicDeps, a: AuctionSnapshot | null): string {
  const bid = a ? ethText(a.minNextWei).replace(" ETH", "") : "1";
  return `<ol class="steps">
<li>Link your wallet once on <a href="${e(d.linkUrl)}">the link page</a>: sign a message, then
tweet the code it gives you.</li>
<li>Deposit ETH into the escrow from that wallet (the link page shows the address).</li>
<li>Tweet <code id="bid-tweet">${e(d.hostHandle)} bid ${e(bid)} ETH</code>${
    a ? ` (add <code>#${e(a.auctionId)}</code> if several lots are open)` : ""
  }, or <code>${e(d.hostHandle)} bid max 5 ETH</code> to be raised for you up to 5 ETH.</li>
</ol>`;
}

async function lastReceipts(d: PublicDeps, auctionId: string): Promise<Receipt[]> {
  const [row] = await d.db.query<{ seq: string }>(
    `select seq from auction_bids where auction_id = $1 order by seq desc offset $2 limit 1`,
    [auctionId, LAST_BIDS],
  );
  return (await d.receipts(auctionId, row ? Number(row.seq) : 0, LAST_BIDS)).reverse();
}

/** The lot's live line; `liveId`: the feed's last event when the page's state was read. */
const liveLine = (liveId: string) =>
  `<span class="dim" id="live-line" data-live-id="${e(liveId)}">` +
  `<span class="live-dot" id="live-dot"></span><span id="live">connecting…</span></span>`;

async function homePage(d: PublicDeps, liveId: string): Promise<string> {
  const list = d.list();
  const a = currentAuction(list);
  const next = list.filter((x) => x.status === "scheduled" && x.auctionId !== a?.auctionId)
    .sort((x, y) =>
      Temporal.Instant.compare(Temporal.Instant.from(x.startsAt), Temporal.Instant.from(y.startsAt))
    )
    .slice(0, 5);
  const bids = a ? await lastReceipts(d, a.auctionId) : [];
  const lot = a
    ? `<section class="card lot" id="lot" data-auction="${e(a.auctionId)}">
<img id="art" alt="${e(a.item)}" src="/artwork/${encodeURIComponent(a.item)}">
<div><span class="status ${e(a.status)}" id="status">${e(statusText[a.status] ?? a.status)}</span>
${liveLine(liveId)}
<h1 id="item">${e(a.item)}</h1>
${lotFigures(a)}
<p class="dim">Lot <a href="/auctions/${e(a.auctionId)}">${e(a.auctionId)}</a>: every bid and
its decision.</p></div></section>`
    : `<section class="card"><h1>No auction yet</h1><p>The next one is announced on X.</p></section>`;
  return publicPage({
    title: a ? a.item : "Live auctions",
    here: "now",
    scripts: ["/public.js"],
    body: `${lot}
<h2>How to bid</h2><section class="card">${howTo(d, a)}</section>
<h2>Last bids</h2><section class="card"><ol class="bids" id="last-bids">${
      bids.map(decisionItem).join("\n")
    }</ol>${bids.length ? "" : '<p class="dim" id="no-bids">No bid yet.</p>'}</section>
<h2>Next</h2><section class="card">${
      next.length
        ? `<ul class="next">${
          next.map((x) =>
            `<li><b>${e(x.item)}</b> <span class="dim">opens ${e(nyText(x.startsAt))}</span></li>`
          ).join("")
        }</ul>`
        : '<p class="dim">Nothing else scheduled yet.</p>'
    }</section>`,
  });
}

async function logPage(
  d: PublicDeps,
  a: AuctionSnapshot,
  after: number,
  liveId: string,
): Promise<string> {
  const rows = await d.receipts(a.auctionId, after, PAGE_ROWS);
  const more = rows.length === PAGE_ROWS
    ? `<p><a href="/auctions/${e(a.auctionId)}?after=${rows.at(-1)!.seq}">Later bids</a></p>`
    : "";
  return publicPage({
    title: `${a.item}: bid log`,
    here: "bids",
    scripts: ["/public.js"],
    body: `<section class="card lot" id="lot" data-auction="${
      e(a.auctionId)
    }" data-log="1" data-after="${after}"><div>
<span class="status ${e(a.status)}" id="status">${e(statusText[a.status] ?? a.status)}</span>
${liveLine(liveId)}
<h1 id="item">${e(a.item)}</h1>${lotFigures(a)}</div></section>
<h2>Every bid (<a href="/auctions/${e(a.auctionId)}/bids">JSON</a>)</h2>
<section class="card"><table class="log"><thead><tr><th>tweet</th><th>time (New York)</th>
<th>handle</th><th>amount</th><th>decision</th><th>reason</th></tr></thead>
<tbody id="log">${rows.map(logRow).join("\n")}</tbody></table>${
      rows.length ? "" : '<p class="dim" id="no-bids">No bid yet.</p>'
    }${more}</section>`,
  });
}

/**
 * A page is the same for every viewer: rendered at most once per `ms` for each key, whatever
 * the number of viewers (a thousand tabs reloading cost one render and its queries a second;
 * the live updates carry what changed since). Keys are bounded: past `max`, the oldest go.
 */
export function renderedOnce(ms: number, max = 256) {
  const pages = new Map<string, { at: number; html: Promise<string> }>();
  return (key: string, render: () => Promise<string>): Promise<string> => {
    const now = performance.now();
    const hit = pages.get(key);
    if (hit && now - hit.at < ms) return hit.html;
    const html = render();
    pages.delete(key);
    pages.set(key, { at: now, html });
    html.catch(() => pages.delete(key)); // a failed render is not kept
    if (pages.size > max) pages.delete(pages.keys().next().value!);
    return html;
  };
}

let clientFile: Promise<string> | null = null;
/** The pages' one script, read once when first asked for. */
const readClientJs = () =>
  clientFile ??= Deno.readTextFile(new URL("./public_client.js", import.meta.url));
/** The formatting both the pages and their script use, served as it is (see public_format.js). */
const FORMAT_JS = new URL("./public_format.js", import.meta.url);
let formatJs: Promise<string> | null = null;

export function mountPublicPages(http: Hono, d: PublicDeps, clientJs = readClientJs) {
  const feed = liveFeed({
    bus: d.bus,
    list: d.list,
    // What `/` may show: the lots open now and the one it shows.
    shown: (list) => {
      const current = currentAuction(list);
      const live = list.filter((a) => a.status === "open" || a.status === "paused");
      return current ? [current, ...live] : live;
    },
    lastDecisions: async (ids) =>
      Object.fromEntries(
        await Promise.all(ids.map(async (id) =>
          [id, (await lastReceipts(d, id)).map((r) => receiptDecision(id, r))] as const
        )),
      ),
    maxListeners: d.maxListeners,
    maxPerAddress: d.maxListenersPerAddress,
  });
  const page = renderedOnce(1000);
  http.get("/public.css", (c) => {
    publicHeaders(c);
    return c.body(PUBLIC_CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "public, max-age=300",
    });
  });
  http.get("/public-format.js", async (c) => {
    publicHeaders(c);
    return c.body(await (formatJs ??= Deno.readTextFile(FORMAT_JS)), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
    });
  });
  http.get("/public.js", async (c) => {
    publicHeaders(c);
    return c.body(await clientJs(), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
    });
  });
  http.get("/", async (c) => {
    publicHeaders(c);
    // The feed's id is read with the state, before the queries: a page catches up from there.
    return c.html(await page("/", () => homePage(d, feed.lastId())));
  });
  http.get("/auctions/:id", async (c) => {
    publicHeaders(c);
    const id = c.req.param("id");
    const a = AUCTION_ID.test(id) ? d.get(id) : null;
    if (!a) {
      return c.html(
        publicPage({ title: "No such auction", body: "<h1>No such auction</h1>" }),
        404,
      );
    }
    const after = Number(c.req.query("after") ?? 0);
    if (!Number.isSafeInteger(after) || after < 0) return c.text("after: a row number ≥ 0", 400);
    return c.html(await page(`${a.auctionId}?${after}`, () => logPage(d, a, after, feed.lastId())));
  });

  http.get("/auction/live", (c) => feed.handle(c.req.raw, clientAddress(c)));

  return () => feed.stop();
}
