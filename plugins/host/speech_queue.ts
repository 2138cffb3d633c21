/**
 * The speech queue: one line at a time, highest priority first. Invariants:
 * a waiting line is replaced by a newer one with the same key (ten quick bids
 * → one line); a line of priority ≥ `interruptAt` cuts an idle line that is
 * being said (the voice stops at its next word boundary); every line is
 * re-checked at its turn (`ready`), which may rewrite or drop it, so no line
 * is said against facts that changed while it waited. Time is the show's clock.
 */
import type { Cancel, Clock } from "../../core/clock.ts";

export interface QueuedLine {
  id: string;
  text: string;
  kind: string;
  priority: number;
  key: string;
  version: number;
}

export interface SpeechQueueOptions<L extends QueuedLine> {
  clock: Clock;
  /** Seconds a line takes to say (its words at the speaking rate). */
  seconds(line: L): number;
  gapSeconds: number;
  /** A line of this priority or more interrupts an idle (priority 0) line. */
  interruptAt: number;
  /** At its turn: the line to say (the same, rewritten) or null to drop it. */
  ready(line: L): L | null;
  say(line: L): void;
  interrupt(line: L, reason: string): void;
  /** Called when nothing is waiting and the last line has ended. */
  quiet?(): void;
}

export interface SpeechQueue<L extends QueuedLine> {
  push(line: L): void;
  /** The line being said (until its time and gap are over), if any. */
  current(): L | null;
  waiting(): L[];
  /** Cuts the line being said (a fact in it changed). */
  cut(reason: string): void;
  stop(): void;
}

export function createSpeechQueue<L extends QueuedLine>(o: SpeechQueueOptions<L>): SpeechQueue<L> {
  const waiting = new Map<string, L>();
  let speaking: L | null = null;
  let timer: Cancel | undefined;
  let order = 0;
  const arrived = new Map<string, number>();

  const pick = () =>
    [...waiting.values()].sort((a, b) =>
      b.priority - a.priority || arrived.get(a.key)! - arrived.get(b.key)!
    )[0];

  const next = () => {
    timer?.();
    timer = undefined;
    speaking = null;
    for (let line = pick(); line; line = pick()) {
      waiting.delete(line.key);
      const fresh = o.ready(line);
      if (!fresh) continue;
      speaking = fresh;
      o.say(fresh);
      const ms = Math.round((o.seconds(fresh) + o.gapSeconds) * 1000);
      timer = o.clock.after(ms, next);
      return;
    }
    o.quiet?.();
  };

  return {
    push(line) {
      if (!waiting.has(line.key)) arrived.set(line.key, ++order);
      waiting.set(line.key, line);
      if (!speaking) return next();
      if (speaking.priority === 0 && line.priority >= o.interruptAt) {
        o.interrupt(speaking, "interrupted by news");
        next();
      }
    },
    current: () => speaking,
    waiting: () => [...waiting.values()],
    cut(reason) {
      if (!speaking) return;
      o.interrupt(speaking, reason);
      next();
    },
    stop() {
      timer?.();
      timer = undefined;
      waiting.clear();
    },
  };
}
