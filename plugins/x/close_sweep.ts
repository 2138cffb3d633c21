/**
 * Before the hammer. X's timelines drop a tweet now and then, and the auction
 * closes as soon as the read-through passes its end + grace. So once the
 * timeline has read through an auction's end + grace, one recent-search sweep
 * for the host's handle over the last `sweepMinutes` of the auction catches the
 * mentions the timeline missed (stored and decided like any other); only then
 * is that read-through reported, and the auction may close. A sweep that fails
 * (X down, rate limited) holds the read-through just short of end + grace and
 * is tried again at the next read (after a 429, or while the search reader has
 * spent the window, not before its reset: no request is spent on a window known
 * to be empty); `pending()` says so.
 *
 * Costs: one search (a page per 100 mentions) per auction end; each tweet the
 * search returns counts again against X's monthly read cap.
 */
import type { Log } from "../../core/log.ts";
import { SEARCH_VOUCHES_MS, searchEndTime, type XApi, type XTweet } from "./x_api.ts";

export interface CloseSweep {
  /** An auction as `auction.updated` tells it; a new end is swept again. */
  track(
    a: { auctionId: string; status: string; endsAt: string; ingestGraceSeconds?: number },
  ): void;
  /** The read-through that may be reported now: `until`, or held short of an unswept close. */
  gate(until: Temporal.Instant): Promise<Temporal.Instant>;
  /** Auctions whose sweep is due and has not succeeded, with the last error. */
  pending(): Array<{ auctionId: string; error?: string }>;
}

const cmp = Temporal.Instant.compare;

export function createCloseSweep(o: {
  api: XApi;
  hostHandle: string;
  sweepMinutes: number;
  log: Log;
  /** Epoch ms now (the engine's clock). */
  now: () => number;
  /** The search window as the last search (the reader's or this one's) left it. */
  searchWindow?: () => { remaining: number; resetAt: number } | undefined;
  /** Stores and decides a tweet unless it was read before. */
  ingest(tweet: XTweet): Promise<void>;
}): CloseSweep {
  const query = `@${o.hostHandle.replace(/^@/, "")} -is:retweet`;
  const auctions = new Map<
    string,
    {
      endsAt: Temporal.Instant;
      closeAt: Temporal.Instant;
      swept: boolean;
      error?: string;
      /** After a 429: not before this (epoch ms). */
      retryAt?: number;
    }
  >();

  const sweep = async (endsAt: Temporal.Instant) => {
    const startTime = endsAt.subtract({ minutes: o.sweepMinutes })
      .round({ smallestUnit: "second", roundingMode: "floor" }).toString();
    // As fresh as X allows: the whole auction, up to its end, is in range (see `gate`).
    const endTime = searchEndTime(o.now());
    let found = 0;
    for (let token: string | undefined, pages = 0; pages < 50; pages++) {
      const page = await o.api.search(query, {
        startTime,
        endTime,
        paginationToken: token,
        maxResults: 100,
      });
      for (const t of page.items) {
        await o.ingest(t);
        found++;
      }
      token = page.nextToken;
      if (!token) break;
    }
    return found;
  };

  return {
    track(a) {
      if (a.status !== "open" && a.status !== "scheduled" && a.status !== "paused") {
        auctions.delete(a.auctionId);
        return;
      }
      const endsAt = Temporal.Instant.from(a.endsAt);
      const known = auctions.get(a.auctionId);
      if (known?.endsAt.equals(endsAt)) return;
      const closeAt = endsAt.add({ seconds: a.ingestGraceSeconds ?? 0 });
      auctions.set(a.auctionId, { endsAt, closeAt, swept: false });
    },
    async gate(until) {
      let allowed = until;
      for (const [auctionId, a] of auctions) {
        if (a.swept || cmp(until, a.closeAt) < 0) continue;
        const held = a.closeAt.subtract({ milliseconds: 1 });
        // Search vouches only up to `now − 12 s`: until that passes the end, the sweep could
        // not see the auction's last second; it waits (no request spent, no error).
        const searchable = o.now() - SEARCH_VOUCHES_MS;
        if (searchable < a.endsAt.epochMilliseconds) {
          if (cmp(held, allowed) < 0) allowed = held;
          continue;
        }
        // A window known to be spent (by this sweep's 429, or by the search reader): no request.
        const w = o.searchWindow?.();
        const spentUntil = w && w.remaining <= 0 && w.resetAt > o.now() ? w.resetAt : undefined;
        if ((a.retryAt !== undefined && o.now() < a.retryAt) || spentUntil !== undefined) {
          if (cmp(held, allowed) < 0) allowed = held;
          continue;
        }
        try {
          const found = await sweep(a.endsAt);
          a.swept = true;
          a.error = undefined;
          o.log.info("swept the auction's last minutes before it closes", { auctionId, found });
        } catch (error) {
          a.error = (error as Error).message;
          const e = error as { kind?: string; resetAt?: number };
          a.retryAt = e.kind === "rate-limited" ? e.resetAt : undefined;
          o.log.warn("the sweep before the close failed; the close waits", {
            auctionId,
            error: a.error,
          });
          if (cmp(held, allowed) < 0) allowed = held;
        }
      }
      return allowed;
    },
    pending: () =>
      [...auctions].filter(([, a]) => a.error !== undefined)
        .map(([auctionId, a]) => ({ auctionId, error: a.error })),
  };
}
