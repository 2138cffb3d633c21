/**
 * The show's lines: a composed text becomes a queued line tied to the facts it
 * was written for (the leader and price when it may name them, the lot's
 * status), and a line said or dropped becomes its one record. Invariants: the
 * once key is kept only on a line said (a dropped line must not stop the next
 * try); priorities and moods are per task kind.
 */
import type { Composed } from "./compose.ts";
import type { FactSheet } from "./facts.ts";
import type { LineRecord } from "./memory.ts";
import type { Task } from "./scripted.ts";
import type { QueuedLine } from "./speech_queue.ts";

export interface HostLine extends QueuedLine {
  task: Task;
  source: "scripted" | "model";
  auctionId: string | null;
  /** The leader and price the line was written for, when it names them. */
  leaderAt: { handle: string; amountWei: bigint } | null;
  onceKey: string | null;
  /** The lot's status when written: a line about a scheduled lot is stale once it opens. */
  statusAt: string | null;
  mood: "talking" | "excited";
  handle: string | null;
}

const PRIORITY: Record<string, number> = {
  closed: 5,
  extended: 4,
  call1: 4,
  call5: 4,
  leader: 3,
  opened: 3,
  answer: 2,
  greet: 2,
  tomorrow: 2,
  idle: 0,
};
/** Lines that state (or may state) the leader and price: they are tied to the leader they were written for. */
const LEADER_KINDS = new Set(["leader", "call5", "call1", "idle", "answer"]);
const EXCITED = new Set(["leader", "call1", "closed", "extended"]);

/** What a line is tied to in the facts it was written from. */
export const tiedTo = (kind: string, f: FactSheet) => ({
  leaderAt: LEADER_KINDS.has(kind) && f.lot?.leader ? { ...f.lot.leader } : null,
  statusAt: f.lot?.status ?? null,
});

export function toLine(
  id: string,
  task: Task,
  c: Composed,
  key: string,
  onceKey: string | null,
): HostLine {
  return {
    id,
    text: c.text,
    kind: task.kind,
    priority: PRIORITY[task.kind] ?? 1,
    key,
    version: c.version,
    task,
    source: c.source,
    auctionId: c.facts.lot?.auctionId ?? null,
    ...tiedTo(task.kind, c.facts),
    onceKey,
    mood: EXCITED.has(task.kind) ? "excited" : "talking",
    handle: task.asker ?? null,
  };
}

/** What became of a line at its turn: said, or dropped with why. */
export type LineOutcome = { said: true } | { dropped: string };

/** The record of a line said, or dropped with its reason (without the once key). */
export function lineRecord(
  line: HostLine,
  at: Temporal.Instant,
  campaignId: string | null,
  outcome: LineOutcome,
): LineRecord {
  return {
    at,
    campaignId,
    auctionId: line.auctionId,
    kind: line.kind,
    source: line.source,
    text: line.text,
    version: line.version,
    handle: line.handle,
    ...("said" in outcome
      ? { outcome: "said", onceKey: line.onceKey }
      : { outcome: "dropped", reason: outcome.dropped }),
  };
}
