/**
 * What makes the show's data stale, as a pure function of what was observed:
 * an open auction whose state has not been updated for `auctionStaleSeconds`,
 * and each watched health check that is down (its label from config, its
 * detail from the check). Bounded: at most `MAX_REASONS` lines of at most
 * `MAX_REASON_CHARS` each, so a hostile label or item name costs only its own
 * line. A check's detail (an error text) is for the log, never on air.
 */

export const MAX_REASONS = 4;
export const MAX_REASON_CHARS = 120;

export interface AuctionSeen {
  status: string;
  item: string;
  /** When its state was last updated (epoch ms on the engine's clock). */
  updatedMs: number;
}

export interface StaleInput {
  nowMs: number;
  auctions: Map<string, AuctionSeen>;
  auctionStaleSeconds: number;
  /** Each watched check: its label ("the tweet source") and its last result (undefined = not seen). */
  checks: Array<{ label: string; ok: boolean | undefined }>;
}

export function staleReasons(input: StaleInput): string[] {
  const reasons: string[] = [];
  for (const [, a] of input.auctions) {
    if (a.status !== "open") continue;
    const quiet = Math.floor((input.nowMs - a.updatedMs) / 1000);
    if (quiet >= input.auctionStaleSeconds) {
      // The threshold, not the count: the line (and so the event) stays the same while it lasts.
      reasons.push(
        `auction data stale: ${clean(a.item)} not updated in ${input.auctionStaleSeconds} s`,
      );
    }
  }
  for (const c of input.checks) {
    if (c.ok !== false) continue;
    reasons.push(`${clean(c.label)} is down`);
  }
  return reasons.slice(0, MAX_REASONS).map((r) => clip(r));
}

/** One printable line: control and bidi characters out, whitespace folded. */
export function clean(text: string): string {
  return clip(
    text.normalize("NFKC").replace(/[\p{Cc}\p{Cf}]/gu, " ").replace(/\s+/g, " ").trim(),
  );
}

function clip(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}
