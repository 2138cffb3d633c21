/**
 * The chain's poll loop: every `pollMs` of the clock, one deposit pass, then
 * unfinished settlements resumed, then stale link challenges forgotten; the
 * next pass is timed from the end of this one. The first pass runs at once (it
 * resumes what a crash interrupted). Settlement waits for receipts on the same
 * clock, so a pass starts the resume and does not wait for it: a virtual clock
 * waits for this timer before it moves on, and could never move. One resume
 * runs at a time (a pass while one runs starts none). A failing step is logged
 * and the loop goes on; once stopped, nothing new starts, failures are not
 * reported (the storage may be closing) and the stop waits for the resume.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { DepositScanner } from "./deposits.ts";
import type { Settlement } from "./settlement.ts";
import { forgetChallenges } from "./wallet_link.ts";

export interface PollLoopDeps {
  clock: Clock;
  db: Db;
  log: Log;
  scanner: DepositScanner;
  settlement: Settlement;
  pollMs: number;
}

/** Starts the loop; the stop resolves once the pass and the resume under way have finished. */
export function startPollLoop(deps: PollLoopDeps): () => Promise<void> {
  const { clock, db, log, scanner, settlement } = deps;
  let cancel = () => {};
  let stopped = false;
  let ticking: Promise<void> = Promise.resolve();
  let settling: Promise<void> | null = null;
  const resume = async () => {
    try {
      await settlement.resumeAll();
    } catch (error) {
      if (!stopped) log.error("settlement resume failed", { error });
    } finally {
      settling = null;
    }
  };
  const afterDeposits = async () => {
    settling ??= resume();
    // Challenges, finished or not, are of no use a day after they expired.
    await forgetChallenges(db, clock.instant().subtract({ hours: 24 }))
      .catch((error) => stopped || log.warn("challenge cleanup failed", { error }));
    if (!stopped) cancel = clock.after(deps.pollMs, tick);
  };
  const pass = async () => {
    try {
      await scanner.sync();
    } catch (error) {
      if (stopped) return;
      log.warn("deposit pass failed; retrying", {
        error: (error as Error).message.split("\n")[0],
      });
    }
    if (!stopped) await afterDeposits();
  };
  const tick = () => {
    ticking = pass();
    return ticking;
  };
  cancel = clock.after(0, tick);
  return async () => {
    stopped = true;
    cancel();
    await ticking;
    await settling;
  };
}
