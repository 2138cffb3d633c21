/**
 * Render time per widget kind and its budget: each frame's time of every kind
 * (all its items summed) goes into a ring of the last frames; a kind over its
 * budget for `streak` frames in a row is told once, by name. Invariants: the
 * frame path only adds numbers into preallocated rings; figures are computed
 * when read (a scrape, a panel tick), never per frame.
 */

/** What a kind's figures are over: the last 10 s at 30 fps. */
const WINDOW = 300;

export interface WidgetStat {
  meanMs: number;
  p99Ms: number;
  maxMs: number;
  budgetMs: number;
  /** Over budget in each of the last `streak` frames it drew in. */
  overBudget: boolean;
}

interface Ring {
  values: Float64Array;
  next: number;
  size: number;
  /** Frames in a row over budget. */
  over: number;
  told: boolean;
}

export function createWidgetStats(o: {
  budgetMs: number;
  streak?: number;
  onOverBudget?: (kind: string, ms: number, budgetMs: number) => void;
}) {
  const streak = o.streak ?? 30;
  const frame = new Map<string, number>();
  const rings = new Map<string, Ring>();
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    budgetMs: o.budgetMs,
    /** One item of `kind` drew in `ms`. */
    add(kind: string, ms: number) {
      frame.set(kind, (frame.get(kind) ?? 0) + ms);
    },
    /** The frame is done: its times go into the rings. */
    endFrame() {
      for (const [kind, ring] of rings) if (!frame.has(kind)) ring.over = 0;
      for (const [kind, ms] of frame) {
        let ring = rings.get(kind);
        if (!ring) {
          ring = { values: new Float64Array(WINDOW), next: 0, size: 0, over: 0, told: false };
          rings.set(kind, ring);
        }
        ring.values[ring.next] = ms;
        ring.next = (ring.next + 1) % WINDOW;
        ring.size = Math.min(WINDOW, ring.size + 1);
        ring.over = ms > o.budgetMs ? ring.over + 1 : 0;
        if (ring.over >= streak && !ring.told) {
          ring.told = true;
          o.onOverBudget?.(kind, ms, o.budgetMs);
        }
      }
      frame.clear();
    },
    /** Figures per kind over the last frames it drew in. */
    read(): Record<string, WidgetStat> {
      const out: Record<string, WidgetStat> = {};
      for (const [kind, ring] of [...rings].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const sorted = [...ring.values.subarray(0, ring.size)].sort((a, b) => a - b);
        const sum = sorted.reduce((a, b) => a + b, 0);
        out[kind] = {
          meanMs: round(sum / Math.max(1, sorted.length)),
          p99Ms: round(
            sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0,
          ),
          maxMs: round(sorted.at(-1) ?? 0),
          budgetMs: o.budgetMs,
          overBudget: ring.over >= streak,
        };
      }
      return out;
    },
  };
}

export type WidgetStats = ReturnType<typeof createWidgetStats>;
