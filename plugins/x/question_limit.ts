/**
 * Questions to the host, limited per handle: at most `questions` a fixed window of
 * `windowSeconds` reach the host (on air, and its answer on X); past it a handle's further
 * questions are counted and dropped, unanswered, until the next window. Counted in the state
 * store (hot state: a restart or a Redis outage at worst lets a few more through).
 */
import type { StateStore } from "../../core/state.ts";

export interface QuestionLimit {
  questions: number;
  windowSeconds: number;
}

/** Resolves true when `handle` may ask now (and counts the question). */
export function questionGate(
  state: StateStore,
  limit: QuestionLimit,
  nowMs: () => number,
): (handle: string) => Promise<boolean> {
  const windowMs = limit.windowSeconds * 1000;
  return async (handle) => {
    const window = Math.floor(nowMs() / windowMs);
    const key = `x:questions:${handle.replace(/^@?/, "@").toLowerCase()}:${window}`;
    const n = await state.incr(key, 1, { ttlMs: windowMs + 1000 });
    return n <= limit.questions;
  };
}
