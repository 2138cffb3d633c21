/**
 * `/bidders/:handle`: a handle's bidding history, public, linked from
 * `history` replies and from the auction's public pages, in their look (the
 * auction's public shell). HTML by default, JSON with `?format=json`. Only what
 * the bidder made public on X and the decisions on it: every text is escaped.
 */
import type { Hono } from "hono";
import type { Db } from "../../core/db.ts";
import { nyString } from "../../core/clock.ts";
import { escapeHtml as e, ethText, nyText, publicHeaders, publicPage } from "../auction/mod.ts";

export interface HistoryEntry {
  tweetId: string;
  kind: string;
  auctionId: string | null;
  amountWei: string | null;
  reason: string | null;
  message: string | null;
  at: string;
}

export async function bidderHistory(db: Db, handle: string): Promise<HistoryEntry[]> {
  const rows = await db.query<{
    tweet_id: string;
    kind: string;
    auction_id: string | null;
    amount_wei: string | null;
    reason: string | null;
    message: string | null;
    at: Date;
  }>(
    `select tweet_id, kind, auction_id, amount_wei, reason, message, at from x_bid_history
      where lower(handle) = $1 and kind <> 'submitted' order by at desc, tweet_id desc limit 500`,
    [`@${handle.replace(/^@/, "").toLowerCase()}`],
  );
  return rows.map((r) => ({
    tweetId: r.tweet_id,
    kind: r.kind,
    auctionId: r.auction_id,
    amountWei: r.amount_wei,
    reason: r.reason,
    message: r.message,
    at: nyString(Temporal.Instant.fromEpochMilliseconds(r.at.getTime())),
  }));
}

function row(h: HistoryEntry): string {
  const auction = h.auctionId
    ? `<a href="/auctions/${encodeURIComponent(h.auctionId)}">${e(h.auctionId)}</a>`
    : "";
  return `<tr class="${e(h.kind)}" data-tweet="${e(h.tweetId)}">
<td data-label="time">${e(nyText(h.at))}</td><td data-label="auction">${auction}</td>
<td data-label="decision">${e(h.kind)}</td>
<td data-label="amount">${h.amountWei ? e(ethText(h.amountWei)) : ""}</td>
<td data-label="reason">${e(h.message ?? h.reason ?? "")}</td>
<td data-label="tweet"><a href="https://x.com/i/status/${e(h.tweetId)}" rel="noreferrer">${
    e(h.tweetId)
  }</a></td></tr>`;
}

export function mountBidderPage(http: Hono, db: Db) {
  http.get("/bidders/:handle", async (c) => {
    const handle = (c.req.param("handle") ?? "").replace(/^@/, "");
    if (!/^\w{1,15}$/.test(handle)) return c.text("not an X handle", 400);
    const history = await bidderHistory(db, handle);
    if (c.req.query("format") === "json") return c.json({ handle: `@${handle}`, history });
    publicHeaders(c);
    const auctions = new Set(history.map((h) => h.auctionId).filter(Boolean)).size;
    return c.html(publicPage({
      title: `@${handle}: bids`,
      here: "bids",
      body: `<h1>@${e(handle)}: bidding history</h1>
<p class="dim">${history.length} decisions in ${auctions} auctions ·
<a href="https://x.com/${e(handle)}" rel="noreferrer">on X</a></p>
<section class="card">${
        history.length
          ? `<table class="log"><thead><tr><th>time (New York)</th><th>auction</th><th>decision</th>
<th>amount</th><th>reason</th><th>tweet</th></tr></thead><tbody>${
            history.map(row).join("\n")
          }</tbody></table>`
          : '<p class="dim">No bids yet.</p>'
      }</section>`,
    }));
  });
}
