/**
 * What `tweets.read-through` means, for every tweet source the auction hears
 * (the x plugin, a rehearsal): every tweet created at or before the watermark
 * has been read. It trails the read by the ingest lag and never moves back.
 * Defined here, beside the event it is the meaning of, so a source and the
 * rehearsal compute it the same way.
 */

/** How far behind the read time the watermark stays by default (X's indexing lag). */
export const DEFAULT_INGEST_LAG_MS = 2000;

/** The watermark of a read cycle that started at `startedAt`. */
export function readThroughAt(
  startedAt: Temporal.Instant,
  ingestLagMs: number,
  previous?: Temporal.Instant,
): Temporal.Instant {
  const until = startedAt.subtract({ milliseconds: ingestLagMs });
  return previous && Temporal.Instant.compare(until, previous) < 0 ? previous : until;
}
