/**
 * `/bidders/:handle`: a handle's bidding history, public, linked from
 * `history` replies. HTML by default, JSON with `?format=json`.
 */
import type { Hono } from "hono";
import { formatEther } from "viem";
import type { Db } from "../../core/db.ts";
import { nyString } from "../../core/clock.ts";

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

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function mountBidderPage(http: Hono, db: Db) {
  http.get("/bidders/:handle", async (c) => {
    const handle = (c.req.param("handle") ?? "").replace(/^@/, "");
    if (!/^\w{1,15}$/.test(handle)) return c.text("not an X handle", 400);
    const history = await bidderHistory(db, handle);
    if (c.req.query("format") === "json") return c.json({ handle: `@${handle}`, history });
    const rows = history.map((h) =>
      `<tr><td>${escape(h.at)}</td><td>${escape(h.auctionId ?? "")}</td><td>${
        escape(h.kind)
      }</td><td>${h.amountWei ? escape(formatEther(BigInt(h.amountWei))) + " ETH" : ""}</td><td>${
        escape(h.message ?? h.reason ?? "")
      }</td><td><a href="https://x.com/i/web/status/${escape(h.tweetId)}">${
        escape(h.tweetId)
      }</a></td></tr>`
    ).join("\n");
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>@${escape(handle)} — bids</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}
td,th{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><h1>@${escape(handle)}: bidding history</h1>
${
      history.length
        ? `<table><thead><tr><th>time (New York)</th><th>auction</th><th>decision</th><th>amount</th><th>reason</th><th>tweet</th></tr></thead><tbody>
${rows}</tbody></table>`
        : "<p>No bids yet.</p>"
    }
</body></html>`);
  });
}
