/**
 * The frame loop: renders at a fixed rate paced by a monotonic clock and hands
 * each frame to its sinks. Sinks never block it: each keeps a small queue and
 * drops (and counts) what it cannot take. A slot the loop itself misses (slow
 * render, busy machine) is skipped and counted as late rather than bunched up.
 */
import { quantile } from "./metrics.ts";

export interface FrameSink<F> {
  name: string;
  /** Takes a frame without waiting; a full sink drops it. */
  push(frame: F, index: number): void;
  /** Frames this sink has dropped. */
  dropped(): number;
  /** Frames waiting, and the most it will hold. */
  depth(): { queued: number; limit: number };
}

export interface FrameStats {
  targetFps: number;
  /** Frames rendered in the last second. */
  activeFps: number;
  rendered: number;
  late: number;
  /** Slots whose render threw. */
  failed: number;
  dropped: number;
  renderMs: { avg: number; p95: number; max: number };
}

export interface FrameLoop<F> {
  start(): void;
  stop(): void;
  addSink(sink: FrameSink<F>): () => void;
  stats(): FrameStats;
  /** When slot `index` of this run of the loop is due, on `now`'s clock (for A/V alignment). */
  slotTime(index: number): number;
}

export interface FrameLoopOptions<F> {
  fps?: number;
  render: (index: number) => F | Promise<F>;
  /** A render threw: that slot gets no frame (counted as failed) and the loop goes on. */
  onError?: (error: unknown, index: number) => void;
  /** Monotonic milliseconds. */
  now?: () => number;
}

export function createFrameLoop<F>(options: FrameLoopOptions<F>): FrameLoop<F> {
  const fps = options.fps ?? 30;
  const interval = 1000 / fps;
  const now = options.now ?? (() => performance.now());
  const sinks = new Set<FrameSink<F>>();
  const renderTimes: number[] = [];
  const recent: number[] = [];
  let rendered = 0;
  let late = 0;
  let failed = 0;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let origin = 0;
  let slot = 0;

  const tick = async () => {
    if (!running) return;
    const started = now();
    // Missed whole slots: skip them, count them late.
    const due = Math.floor((started - origin) / interval);
    if (due > slot) {
      late += due - slot;
      slot = due;
    }
    try {
      const frame = await options.render(slot);
      const finished = now();
      renderTimes.push(finished - started);
      if (renderTimes.length > 300) renderTimes.shift();
      recent.push(finished);
      while (recent.length && recent[0] <= finished - 1000) recent.shift();
      rendered++;
      for (const sink of sinks) sink.push(frame, slot);
    } catch (error) {
      failed++;
      options.onError?.(error, slot);
    }
    slot++;
    if (running) timer = setTimeout(tick, Math.max(0, origin + slot * interval - now()));
  };

  return {
    start() {
      if (running) return;
      running = true;
      origin = now();
      slot = 0;
      timer = setTimeout(tick, 0);
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
    slotTime: (index) => origin + index * interval,
    addSink(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    stats() {
      const sorted = [...renderTimes].sort((a, b) => a - b);
      const t = now();
      return {
        targetFps: fps,
        activeFps: recent.filter((r) => r > t - 1000).length,
        rendered,
        late,
        failed,
        dropped: [...sinks].reduce((n, s) => n + s.dropped(), 0),
        renderMs: {
          avg: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
          p95: quantile(sorted, 0.95),
          max: sorted.at(-1) ?? 0,
        },
      };
    },
  };
}

/**
 * A sink around an async writer: frames wait in a queue of `limit` and are
 * written one at a time; when the queue is full the new frame is dropped.
 * A frame is only lent to `push`: `keep` makes the sink's own copy of one it
 * queues, and `release` gets that copy back once written or thrown away.
 */
export function queuedSink<F>(
  name: string,
  write: (frame: F, index: number) => Promise<void>,
  options: { limit?: number; keep?: (frame: F) => F; release?: (frame: F) => void } = {},
): FrameSink<F> & { drained(): Promise<void> } {
  const { limit = 3, keep = (frame: F) => frame, release = () => {} } = options;
  const queue: Array<[F, number]> = [];
  let dropped = 0;
  let draining: Promise<void> | undefined;

  const drain = async () => {
    while (queue.length) {
      const [frame, index] = queue[0];
      try {
        await write(frame, index);
      } finally {
        queue.shift();
        release(frame);
      }
    }
    draining = undefined;
  };

  return {
    name,
    push(frame, index) {
      if (queue.length >= limit) {
        dropped++;
        return;
      }
      queue.push([keep(frame), index]);
      // A writer that throws loses what it held; its owner restarts it and reports why.
      draining ??= drain().catch(() => {
        dropped += queue.length;
        for (const [frame] of queue.splice(0)) release(frame);
        draining = undefined;
      });
    },
    dropped: () => dropped,
    depth: () => ({ queued: queue.length, limit }),
    drained: () => draining ?? Promise.resolve(),
  };
}
