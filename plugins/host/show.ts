/**
 * The host at work: auction events become tasks, tasks become checked lines,
 * lines go through the speech queue to `host.said`. Invariants: every decision
 * event bumps the auction version before anything reacts to it; a line about
 * the leader carries the leader and price it was written for, and is rewritten
 * or dropped at its turn if they changed, and cut on screen (`host.interrupted`)
 * the moment they change; a result line is said once, across restarts; all
 * timing is the show's clock; nothing here can change auction state (it only
 * reads the `auctions` service).
 */
import type { Bus } from "../../core/bus.ts";
import type { Cancel, Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { Auctions } from "../auction/mod.ts";
import type { Character } from "./character.ts";
import { compose, type Composed, type Refusal } from "./compose.ts";
import type { FactSheet } from "./facts.ts";
import { onceKeys, recordLine, recordQuestion } from "./memory.ts";
import type { ModelBrain } from "./model_brain.ts";
import type { ScriptedBrain, Task, TaskKind } from "./scripted.ts";
import { type HostLine, type LineOutcome, lineRecord, toLine } from "./show_lines.ts";
import { hostQueue, repeatWindow } from "./show_queue.ts";
import { armCalls, reactTo } from "./show_react.ts";
import { showState } from "./show_state.ts";

export type { HostLine } from "./show_lines.ts";

export interface ShowDeps {
  bus: Bus;
  clock: Clock;
  db: Db;
  log: Log;
  auctions: Auctions;
  character: Character;
  scripted: ScriptedBrain;
  model: ModelBrain | null;
  hostHandle: string;
  gapSeconds: number;
  idleSeconds: number;
  repeatWindowMinutes: number;
  /** Which tasks the model writes (the rest are scripted). */
  modelKinds: Set<TaskKind>;
  onReaction?(ms: number): void;
  onLine?(outcome: string, source: string): void;
}

export interface HostShow {
  facts(auctionId?: string | null): FactSheet;
  version(): number;
  /** Resolves when no line is being composed or written (tests, shutdown). */
  idle(): Promise<void>;
  compose(task: Task, useModel?: boolean): Promise<Composed | null>;
  refused(r: Refusal): void;
  onceSaid(key: string): boolean;
  markOnce(key: string): void;
  stop(): void;
}

/** Promises the show waits for before it is idle. */
function tracker() {
  const pending = new Set<Promise<unknown>>();
  return {
    track<T>(p: Promise<T>): Promise<T> {
      pending.add(p);
      p.finally(() => pending.delete(p)).catch(() => {});
      return p;
    },
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}

export async function startHostShow(d: ShowDeps): Promise<HostShow> {
  const { bus, clock, db, log } = d;
  const state = await showState(d);
  const { facts } = state;
  const said = await repeatWindow(d);
  const once = await onceKeys(db).catch(() => new Set<string>());
  const { track, idle } = tracker();
  let utterances = 0;
  let timers: Cancel[] = [];
  let idleTimer: Cancel | undefined;
  const record = (line: HostLine, outcome: LineOutcome) =>
    track(
      recordLine(db, lineRecord(line, clock.instant(), state.campaignId(), outcome))
        .catch((error) => log.warn("could not record a line", { error })),
    );

  const refused = (r: Refusal) => {
    const f = facts(r.task.auctionId);
    const { text, reason, version, source } = r;
    log.warn("host refused a line", { text, reason, version, source });
    d.onLine?.("refused", r.source);
    bus.emit("host.refused", { text, reason, version, source, kind: r.task.kind });
    track(
      recordLine(db, {
        at: clock.instant(),
        campaignId: f.campaign?.id ?? null,
        auctionId: f.lot?.auctionId ?? null,
        kind: r.task.kind,
        outcome: "refused",
        source,
        text,
        reason,
        version,
        handle: r.task.asker ?? null,
      }).catch((error) => log.warn("could not record a refused line", { error })),
    );
  };
  const queue = hostQueue({
    ...d,
    facts,
    said,
    once,
    record,
    quiet: () => armIdle(),
  });

  const brains = (task: Task, recent: () => Set<string>) => ({
    facts: () => facts(task.auctionId),
    scripted: d.scripted,
    model: d.model,
    recent,
    refused,
  });
  const speak = (task: Task, key: string, onceKey: string | null = null, started?: number) =>
    track((async () => {
      if (onceKey && once.has(onceKey)) return;
      const c = await compose(task, brains(task, said.recent), d.modelKinds.has(task.kind));
      if (!c) return;
      idleTimer?.();
      queue.push(toLine(`u${++utterances}`, task, c, key, onceKey));
      if (started !== undefined) d.onReaction?.(performance.now() - started);
    })());

  const armIdle = () => {
    idleTimer?.();
    idleTimer = clock.after(d.idleSeconds * 1000, () => {
      const lot = facts().lot;
      if (!lot || (lot.status !== "open" && lot.status !== "scheduled")) return;
      // Past the end, in the grace before the close, no bid can count: no talk of the next bid.
      if (lot.status === "open" && lot.secondsLeft <= 0) return;
      if (queue.current() || queue.waiting().length) return;
      return speak({ kind: "idle" }, "idle");
    });
  };

  const rearm = (catchUp = false) => {
    while (timers.length) timers.pop()!();
    timers = armCalls(d.auctions, clock, speak, catchUp);
  };
  const react = reactTo({
    state,
    speak,
    checkOnScreen: queue.checkOnScreen,
    armCalls: () => rearm(),
    question: (handle, text) =>
      void track(
        recordQuestion(db, clock.instant(), handle, text, state.campaignId()).catch(() => {}),
      ),
    track,
  });
  const off = bus.on("*", (e) => void react(e));
  rearm();
  // Calls missed while the engine was down, once the engine has started (every plugin listening).
  const catchUp = clock.after(0, () => rearm(true));
  armIdle();

  return {
    facts,
    version: state.version,
    idle,
    compose: (task, useModel = true) => compose(task, brains(task, () => new Set()), useModel),
    refused,
    onceSaid: (key) => once.has(key),
    markOnce: (key) => void once.add(key),
    stop() {
      off();
      queue.stop();
      idleTimer?.();
      catchUp();
      while (timers.length) timers.pop()!();
    },
  };
}
