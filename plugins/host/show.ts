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
import type { Bus, BusEvent } from "../../core/bus.ts";
import type { Cancel, Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { Auctions } from "../auction/mod.ts";
import type { Character } from "./character.ts";
import { compose, type Composed, type Refusal } from "./compose.ts";
import {
  buildFacts,
  type CampaignFacts,
  currentLot,
  type FactSheet,
  type LotFacts,
  type PastResult,
  type RecentBid,
} from "./facts.ts";
import { checkLine } from "./guard.ts";
import {
  answerBody,
  campaignFacts,
  onceKeys,
  pastResults,
  recordLine,
  recordQuestion,
  saidSince,
} from "./memory.ts";
import type { ModelBrain } from "./model_brain.ts";
import type { ScriptedBrain, Task, TaskKind } from "./scripted.ts";
import { createSpeechQueue, type QueuedLine } from "./speech_queue.ts";

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
const DECISIONS = new Set([
  "bid.accepted",
  "bid.rejected",
  "bid.max-set",
  "auction.opened",
  "auction.extended",
  "auction.closed",
  "auction.blocked",
  "campaign.phase",
  "auction.updated",
]);

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

export async function startHostShow(d: ShowDeps): Promise<HostShow> {
  const { bus, clock, db, log } = d;
  let version = 0;
  let campaign: CampaignFacts | null = null;
  let past: PastResult[] = [];
  const bids = new Map<string, RecentBid[]>();
  const results = new Map<string, { winner: LotFacts["winner"]; runnerUp: LotFacts["runnerUp"] }>();
  // What was said within the repeat window, from the records: a restart does not reset it.
  const said = await saidSince(
    db,
    clock.instant().subtract({ seconds: Math.round(d.repeatWindowMinutes * 60) }),
  )
    .catch(() => [] as Array<{ text: string; at: Temporal.Instant }>);
  const once = await onceKeys(db).catch(() => new Set<string>());
  const pending = new Set<Promise<unknown>>();
  let lastSaid: { line: HostLine; at: Temporal.Instant; cut: boolean } | null = null;
  let utterances = 0;
  const timers: Cancel[] = [];
  let idleTimer: Cancel | undefined;

  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };
  const facts = (focus?: string | null): FactSheet => {
    const list = d.auctions.list();
    const lot = (focus ? list.find((a) => a.auctionId === focus) : undefined) ?? currentLot(list);
    return buildFacts({
      focus: lot?.auctionId,
      version,
      now: clock.instant(),
      hostHandle: d.hostHandle,
      auctions: list,
      campaign,
      recentBids: lot ? bids.get(lot.auctionId) ?? [] : [],
      past,
      results,
    });
  };
  const recent = () => {
    const since = clock.instant().subtract({ seconds: Math.round(d.repeatWindowMinutes * 60) });
    while (said.length && Temporal.Instant.compare(said[0].at, since) < 0) said.shift();
    return new Set(said.map((s) => s.text));
  };
  const refused = (r: Refusal) => {
    const f = facts(r.task.auctionId);
    log.warn("host refused a line", {
      text: r.text,
      reason: r.reason,
      version: r.version,
      source: r.source,
    });
    d.onLine?.("refused", r.source);
    bus.emit("host.refused", {
      text: r.text,
      reason: r.reason,
      version: r.version,
      source: r.source,
      kind: r.task.kind,
    });
    track(
      recordLine(db, {
        at: clock.instant(),
        campaignId: f.campaign?.id ?? null,
        auctionId: f.lot?.auctionId ?? null,
        kind: r.task.kind,
        outcome: "refused",
        source: r.source,
        text: r.text,
        reason: r.reason,
        version: r.version,
        handle: r.task.asker ?? null,
      }).catch((error) => log.warn("could not record a refused line", { error })),
    );
  };
  const refreshRecords = async (auctionId?: string) => {
    try {
      past = await pastResults(db);
      const id = auctionId ?? currentLot(d.auctions.list())?.auctionId;
      campaign = id ? await campaignFacts(db, id, clock.instant()) : null;
      if (id && !bids.has(id)) {
        const rows = await d.auctions.bids({ auctionId: id, reason: "accepted", limit: 50 });
        bids.set(
          id,
          rows.reverse().filter((r) => r.amountWei !== null).map((r) => ({
            handle: r.handle,
            amountWei: r.amountWei!,
            at: Temporal.Instant.from(r.decidedAt),
          })),
        );
      }
    } catch (error) {
      log.warn("could not read the host's records", { error });
    }
  };
  await refreshRecords();

  const stale = (line: HostLine, f = facts(line.task.auctionId)): string | null => {
    if ((f.lot?.status ?? null) !== line.statusAt) return "the auction's status changed";
    if (line.leaderAt) {
      const l = f.lot?.leader;
      if (!l || l.handle !== line.leaderAt.handle || l.amountWei !== line.leaderAt.amountWei) {
        return "the leader changed";
      }
    }
    const v = checkLine(line.text, f, { asker: line.task.asker, viewerText: line.task.question });
    return v.ok ? null : v.reason;
  };

  const toLine = (task: Task, c: Composed, key: string, onceKey: string | null): HostLine => ({
    id: `u${++utterances}`,
    text: c.text,
    kind: task.kind,
    priority: PRIORITY[task.kind] ?? 1,
    key,
    version: c.version,
    task,
    source: c.source,
    auctionId: c.facts.lot?.auctionId ?? null,
    leaderAt: LEADER_KINDS.has(task.kind) && c.facts.lot?.leader ? { ...c.facts.lot.leader } : null,
    onceKey,
    statusAt: c.facts.lot?.status ?? null,
    mood: EXCITED.has(task.kind) ? "excited" : "talking",
    handle: task.asker ?? null,
  });

  /** At its turn: the line as written, rewritten for the facts of now, or null (dropped). */
  const current = (line: HostLine): HostLine | null => {
    if (line.onceKey && once.has(line.onceKey)) return null;
    const f = facts(line.task.auctionId);
    const why = stale(line, f);
    if (!why) return line;
    // Rewritten for the facts of now, with the scripted brain (no wait), or dropped.
    const text = d.scripted.line(line.task, f, recent());
    const ok = text !== null &&
      checkLine(text, f, { asker: line.task.asker, viewerText: line.task.question }).ok;
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
      leaderAt: LEADER_KINDS.has(line.kind) && f.lot?.leader ? { ...f.lot.leader } : null,
      statusAt: f.lot?.status ?? null,
    };
  };

  const queue = createSpeechQueue<HostLine>({
    clock,
    seconds: (l) => l.text.split(/\s+/).length / d.character.voice.speed * 60,
    gapSeconds: d.gapSeconds,
    interruptAt: 3,
    ready(waiting) {
      const line = current(waiting);
      // The same answer (to the same question, from anyone) said within the window: the room
      // heard it already; it is not said again until the facts in it change.
      if (line?.kind === "answer") {
        const body = answerBody(line.text);
        if ([...recent()].some((t) => answerBody(t) === body)) {
          drop(line, "the same answer was said within the repeat window");
          return null;
        }
      }
      return line;
    },
    say(line) {
      if (line.onceKey) once.add(line.onceKey);
      said.push({ text: line.text, at: clock.instant() });
      lastSaid = { line, at: clock.instant(), cut: false };
      log.info("host said", {
        text: line.text,
        version: line.version,
        source: line.source,
        kind: line.kind,
      });
      d.onLine?.("said", line.source);
      bus.emit("host.said", {
        text: line.text,
        utteranceId: line.id,
        version: line.version,
        kind: line.kind,
        source: line.source,
        mood: line.mood,
        voice: {
          name: d.character.voice.name,
          speed: d.character.voice.speed,
          pitch: d.character.voice.pitch,
        },
      });
      track(
        recordLine(db, {
          at: clock.instant(),
          campaignId: campaign?.id ?? null,
          auctionId: line.auctionId,
          kind: line.kind,
          outcome: "said",
          source: line.source,
          text: line.text,
          version: line.version,
          handle: line.handle,
          onceKey: line.onceKey,
        }).catch((error) => log.warn("could not record a line", { error })),
      );
    },
    interrupt(line, reason) {
      if (lastSaid?.line.id === line.id) lastSaid.cut = true;
      bus.emit("host.interrupted", { utteranceId: line.id, reason });
    },
    quiet: () => armIdle(),
  });

  const drop = (line: HostLine, reason: string) => {
    d.onLine?.("dropped", line.source);
    track(
      recordLine(db, {
        at: clock.instant(),
        campaignId: campaign?.id ?? null,
        auctionId: line.auctionId,
        kind: line.kind,
        outcome: "dropped",
        source: line.source,
        text: line.text,
        reason,
        version: line.version,
      }).catch(() => {}),
    );
  };

  const speak = (task: Task, key: string, onceKey: string | null = null, started?: number) =>
    track((async () => {
      if (onceKey && once.has(onceKey)) return;
      const c = await compose(task, {
        facts: () => facts(task.auctionId),
        scripted: d.scripted,
        model: d.model,
        recent,
        refused,
      }, d.modelKinds.has(task.kind));
      if (!c) return;
      idleTimer?.();
      queue.push(toLine(task, c, key, onceKey));
      if (started !== undefined) d.onReaction?.(performance.now() - started);
    })());

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

  /**
   * The last-5-minutes and last-minute calls of every open lot (two may run at once). At start
   * (`catchUp`), a call whose mark passed while the engine was down is made now if it is still
   * true and was not made before the restart (its once key is in the records); on later events a
   * passed mark is left (an extension is announced by its own line).
   */
  const armCalls = (catchUp = false) => {
    while (timers.length) timers.pop()!();
    const now = clock.instant();
    for (const a of d.auctions.list()) {
      if (a.status !== "open") continue;
      const { auctionId } = a;
      const endsAt = Temporal.Instant.from(a.endsAt);
      const left = endsAt.since(now).total("seconds");
      for (const [kind, seconds] of [["call5", 300], ["call1", 60]] as const) {
        const once = `${kind}:${auctionId}:${endsAt}`;
        const call = () => speak({ kind, auctionId }, `${kind}:${auctionId}`, once);
        const at = endsAt.subtract({ seconds });
        if (Temporal.Instant.compare(at, now) > 0) timers.push(clock.at(at, call));
        else if (catchUp && left > 0 && (kind === "call1" || left > 60)) call();
      }
    }
  };

  const react = (e: BusEvent) => {
    if (DECISIONS.has(e.type)) version++;
    // deno-lint-ignore no-explicit-any
    const p = e.payload as any;
    switch (e.type) {
      case "bid.accepted": {
        const list = bids.get(p.auctionId) ?? [];
        list.push({ handle: p.handle, amountWei: p.amountWei, at: Temporal.Instant.from(p.at) });
        bids.set(p.auctionId, list.slice(-50));
        checkOnScreen();
        if (p.leads === false) return;
        return speak(
          {
            kind: "leader",
            auctionId: p.auctionId,
            previous: p.previousLeader?.handle ?? null,
            proxy: p.proxy,
          },
          `leader:${p.auctionId}`,
          null,
          performance.now(),
        );
      }
      case "auction.opened":
        armCalls();
        return speak(
          { kind: "opened", auctionId: p.auctionId },
          `opened:${p.auctionId}`,
          `opened:${p.auctionId}`,
        );
      case "auction.extended":
        armCalls();
        checkOnScreen();
        return speak(
          { kind: "extended", auctionId: p.auctionId },
          `extended:${p.auctionId}`,
          `extended:${p.auctionId}:${p.endsAt}`,
        );
      case "auction.closed":
        results.set(p.auctionId, {
          winner: p.winner && { handle: p.winner.handle, amountWei: p.winner.amountWei },
          runnerUp: p.runnerUp && { handle: p.runnerUp.handle, amountWei: p.runnerUp.amountWei },
        });
        armCalls(); // the other lots' calls stay armed
        checkOnScreen();
        speak(
          { kind: "closed", auctionId: p.auctionId },
          `closed:${p.auctionId}`,
          `closed:${p.auctionId}`,
        );
        return track(refreshRecords(p.auctionId));
      case "campaign.phase":
        track(
          refreshRecords(p.auctionId).then(() => {
            if (p.phase === "pre-auction") {
              return speak(
                { kind: "greet", auctionId: p.auctionId },
                `greet:${p.auctionId}`,
                `greet:${p.auctionId}`,
              );
            }
            if (p.phase === "post-auction") {
              return speak(
                { kind: "tomorrow", auctionId: p.auctionId },
                `tomorrow:${p.auctionId}`,
                `tomorrow:${p.auctionId}`,
              );
            }
          }),
        );
        return;
      case "host.question": {
        const text = String(p.text ?? "").slice(0, 1000);
        const handle = String(p.handle ?? "");
        if (!/^@\w{1,15}$/.test(handle)) return;
        track(
          recordQuestion(db, clock.instant(), handle, text, campaign?.id ?? null).catch(() => {}),
        );
        return speak(
          { kind: "answer", asker: handle, question: text },
          `q:${String(p.tweetId).slice(0, 40)}`,
        );
      }
    }
  };
  const off = bus.on("*", (e) => void react(e));
  armCalls();
  // Calls missed while the engine was down, once the engine has started (every plugin listening).
  const catchUp = clock.after(0, () => armCalls(true));
  armIdle();

  return {
    facts,
    version: () => version,
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    compose: (task, useModel = true) =>
      compose(task, {
        facts: () => facts(task.auctionId),
        scripted: d.scripted,
        model: d.model,
        recent: () => new Set(),
        refused,
      }, useModel),
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
