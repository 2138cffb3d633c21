/**
 * How the show answers each event it hears: a decision bumps the version
 * first, then the event becomes a task (a reaction to a high bid, the opening,
 * an extension, the result, the greeting and tomorrow's item, an answer), and
 * the last-5-minutes and last-minute calls of every open lot are armed on the
 * show's clock. Invariants: a viewer's question is bounded (1,000 characters,
 * a valid handle) before it is kept or answered; each once-per-auction task
 * carries its once key; the events are typed by their owners' declared schemas.
 */
import type { AnyEvent } from "../../core/bus.ts";
import type { Cancel, Clock } from "../../core/clock.ts";
import type { Auctions } from "../auction/mod.ts";
import type {} from "../x/mod.ts";
import type { Task, TaskKind } from "./scripted.ts";
import type { ShowState } from "./show_state.ts";

/** Says a task's line: `key` replaces a waiting line of the same key; `onceKey`: once per auction. */
export type Speak = (task: Task, key: string, onceKey?: string | null, started?: number) => unknown;

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

export interface ReactDeps {
  state: ShowState;
  speak: Speak;
  /** Withdraws what is said or shown when a fact in it changed. */
  checkOnScreen(): void;
  armCalls(): void;
  question(handle: string, text: string): void;
  track<T>(p: Promise<T>): Promise<T>;
}

export function reactTo(d: ReactDeps): (e: AnyEvent) => unknown {
  const { state, speak } = d;
  const once = (kind: TaskKind, auctionId: string, onceKey = `${kind}:${auctionId}`) =>
    speak({ kind, auctionId }, `${kind}:${auctionId}`, onceKey);
  return (e) => {
    if (DECISIONS.has(e.type)) state.bump();
    switch (e.type) {
      case "bid.accepted": {
        const p = e.payload;
        state.noteBid(p);
        d.checkOnScreen();
        if (p.leads === false) return;
        const task: Task = {
          kind: "leader",
          auctionId: p.auctionId,
          previous: p.previousLeader?.handle ?? null,
          proxy: p.proxy,
        };
        return speak(task, `leader:${p.auctionId}`, null, performance.now());
      }
      case "auction.opened":
        d.armCalls();
        return once("opened", e.payload.auctionId);
      case "auction.extended":
        d.armCalls();
        d.checkOnScreen();
        return once(
          "extended",
          e.payload.auctionId,
          `extended:${e.payload.auctionId}:${e.payload.endsAt}`,
        );
      case "auction.closed":
        state.noteResult(e.payload);
        d.armCalls(); // the other lots' calls stay armed
        d.checkOnScreen();
        once("closed", e.payload.auctionId);
        return d.track(state.refresh(e.payload.auctionId));
      case "campaign.phase": {
        const { phase, auctionId } = e.payload;
        return d.track(
          state.refresh(auctionId).then(() => {
            if (phase === "pre-auction") return once("greet", auctionId);
            if (phase === "post-auction") return once("tomorrow", auctionId);
          }),
        );
      }
      case "host.question": {
        const text = String(e.payload.text ?? "").slice(0, 1000);
        const handle = String(e.payload.handle ?? "");
        if (!/^@\w{1,15}$/.test(handle)) return;
        d.question(handle, text);
        return speak(
          { kind: "answer", asker: handle, question: text },
          `q:${String(e.payload.tweetId).slice(0, 40)}`,
        );
      }
    }
  };
}

/**
 * Arms the last-5-minutes and last-minute calls of every open lot (two may run at once); returns
 * their cancels. At start (`catchUp`), a call whose mark passed while the engine was down is made
 * now if it is still true and was not made before the restart (its once key is in the records); on
 * later events a passed mark is left (an extension is announced by its own line).
 */
export function armCalls(
  auctions: Auctions,
  clock: Clock,
  speak: Speak,
  catchUp = false,
): Cancel[] {
  const timers: Cancel[] = [];
  const now = clock.instant();
  for (const a of auctions.list()) {
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
  return timers;
}
