/**
 * The show's speech queue around the line: at its turn a line is re-checked
 * against the facts of now (rewritten by the scripted brain or dropped), an
 * answer the room heard within the window is not said again, a line said is
 * announced (`host.said`, with the voice) and recorded, and the line being
 * said or captioned is withdrawn (`host.interrupted`) the moment a fact in it
 * changes. Invariant: no line reaches `host.said` unchecked against the facts
 * of the moment it is said.
 */
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { Character } from "./character.ts";
import type { FactSheet } from "./facts.ts";
import { checkLine } from "./guard.ts";
import { answerBody, saidSince } from "./memory.ts";
import type { ScriptedBrain, Task } from "./scripted.ts";
import { type HostLine, type LineOutcome, tiedTo } from "./show_lines.ts";
import { createSpeechQueue } from "./speech_queue.ts";

export type RepeatWindow = Awaited<ReturnType<typeof repeatWindow>>;

/** What was said within the repeat window, from the records: a restart does not reset it. */
export async function repeatWindow(d: { db: Db; clock: Clock; repeatWindowMinutes: number }) {
  const windowSeconds = Math.round(d.repeatWindowMinutes * 60);
  const said = await saidSince(d.db, d.clock.instant().subtract({ seconds: windowSeconds }))
    .catch(() => [] as Array<{ text: string; at: Temporal.Instant }>);
  return {
    note: (text: string) => void said.push({ text, at: d.clock.instant() }),
    recent() {
      const since = d.clock.instant().subtract({ seconds: windowSeconds });
      while (said.length && Temporal.Instant.compare(said[0].at, since) < 0) said.shift();
      return new Set(said.map((s) => s.text));
    },
  };
}

export interface HostQueueDeps {
  bus: Bus;
  clock: Clock;
  log: Log;
  character: Character;
  scripted: ScriptedBrain;
  gapSeconds: number;
  facts(auctionId?: string | null): FactSheet;
  said: RepeatWindow;
  once: Set<string>;
  record(line: HostLine, outcome: LineOutcome): unknown;
  onLine?(outcome: string, source: string): void;
  /** Nothing waiting, the last line ended. */
  quiet(): void;
}

export function hostQueue(d: HostQueueDeps) {
  const { bus, clock, log, facts, said, once } = d;
  let lastSaid: { line: HostLine; at: Temporal.Instant; cut: boolean } | null = null;
  const guardOf = (task: Task) => ({ asker: task.asker, viewerText: task.question });

  const stale = (line: HostLine, f = facts(line.task.auctionId)): string | null => {
    if ((f.lot?.status ?? null) !== line.statusAt) return "the auction's status changed";
    if (line.leaderAt) {
      const l = f.lot?.leader;
      if (!l || l.handle !== line.leaderAt.handle || l.amountWei !== line.leaderAt.amountWei) {
        return "the leader changed";
      }
    }
    const v = checkLine(line.text, f, guardOf(line.task));
    return v.ok ? null : v.reason;
  };

  const drop = (line: HostLine, reason: string) => {
    d.onLine?.("dropped", line.source);
    d.record(line, { dropped: reason });
  };

  /** At its turn: the line as written, rewritten for the facts of now, or null (dropped). */
  const current = (line: HostLine): HostLine | null => {
    if (line.onceKey && once.has(line.onceKey)) return null;
    const f = facts(line.task.auctionId);
    const why = stale(line, f);
    if (!why) return line;
    // Rewritten for the facts of now, with the scripted brain (no wait), or dropped.
    const text = d.scripted.line(line.task, f, said.recent());
    const ok = text !== null && checkLine(text, f, guardOf(line.task)).ok;
    log.info("host line outdated at its turn", {
      text: line.text,
      version: line.version,
      now: f.version,
      why,
      rewritten: ok ? text : null,
    });
    if (!ok) {
      drop(line, why);
      return null;
    }
    return {
      ...line,
      text: text!,
      version: f.version,
      source: "scripted",
      ...tiedTo(line.kind, f),
    };
  };

  /** The same answer (to the same question, from anyone) said within the window: not again. */
  const heardAlready = (line: HostLine) => {
    if (line.kind !== "answer") return false;
    const body = answerBody(line.text);
    return [...said.recent()].some((t) => answerBody(t) === body);
  };

  const say = (line: HostLine) => {
    if (line.onceKey) once.add(line.onceKey);
    said.note(line.text);
    lastSaid = { line, at: clock.instant(), cut: false };
    const { text, version, source, kind, mood } = line;
    log.info("host said", { text, version, source, kind });
    d.onLine?.("said", source);
    const { name, speed, pitch } = d.character.voice;
    bus.emit("host.said", {
      text,
      utteranceId: line.id,
      version,
      kind,
      source,
      mood,
      voice: { name, speed, pitch },
    });
    d.record(line, { said: true });
  };

  const queue = createSpeechQueue<HostLine>({
    clock,
    seconds: (l) => l.text.split(/\s+/).length / d.character.voice.speed * 60,
    gapSeconds: d.gapSeconds,
    interruptAt: 3,
    ready(waiting) {
      const line = current(waiting);
      if (line && heardAlready(line)) {
        drop(line, "the same answer was said within the repeat window");
        return null;
      }
      return line;
    },
    say,
    interrupt(line, reason) {
      if (lastSaid?.line.id === line.id) lastSaid.cut = true;
      bus.emit("host.interrupted", { utteranceId: line.id, reason });
    },
    quiet: d.quiet,
  });

  /** The caption on screen and the line being said are cut the moment a fact in them changes. */
  const checkOnScreen = () => {
    const cur = queue.current();
    if (cur && stale(cur)) return queue.cut("a fact in it changed");
    if (lastSaid && !lastSaid.cut && stale(lastSaid.line)) {
      lastSaid.cut = true;
      bus.emit("host.interrupted", {
        utteranceId: lastSaid.line.id,
        reason: "a fact in it changed",
      });
    }
  };

  return {
    push: queue.push,
    current: queue.current,
    waiting: queue.waiting,
    checkOnScreen,
    stop: queue.stop,
  };
}
