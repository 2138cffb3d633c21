/**
 * The auction's read-only public JSON: what the stream shows, and every
 * decision of an auction as anyone may check it (no maximum, no tweet text).
 * Queries are bounded; a bad one is a 400 naming the fields, never a 500.
 */
import type { Hono } from "hono";
import type { AuctionRuntime } from "./auction_runtime.ts";
import { type AuctionSnapshot, toJson } from "./snapshot.ts";
import type { AuctionStore } from "./store.ts";

export function mountAuctionJson(http: Hono, runtime: AuctionRuntime, store: AuctionStore) {
  // Read-only public JSON: what the stream shows (the reports are the panel's, behind sign-in).
  const json = (body: unknown, status = 200) =>
    new Response(toJson(body), { status, headers: { "content-type": "application/json" } });
  // `blocked`: why an auction due to open is held scheduled (null when it is not).
  const withBlocked = (snap: AuctionSnapshot) => ({
    ...snap,
    blocked: runtime.blocked()[snap.auctionId] ?? null,
  });
  http.get("/auction/auctions", () => json(runtime.list().map(withBlocked)));
  http.get("/auction/auctions/:id", (c) => {
    const snap = runtime.get(c.req.param("id"));
    return snap ? json(withBlocked(snap)) : json({ error: "no such auction" }, 404);
  });
  // Public receipts: every decision of an auction, as anyone may check it (no maximum, no text).
  http.get("/auctions/:id/bids", async (c) => {
    const id = c.req.param("id");
    if (!runtime.get(id)) return json({ error: "no such auction" }, 404);
    const after = Number(c.req.query("after") ?? 0);
    const limit = Number(c.req.query("limit") ?? 500);
    if (!Number.isSafeInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1) {
      return json({ error: "after: a row number ≥ 0; limit: 1 to 1000" }, 400);
    }
    const bids = await store.receipts(id, after, Math.min(limit, 1000));
    return json({ auctionId: id, bids, next: bids.length ? bids.at(-1)!.seq : null });
  });
}
