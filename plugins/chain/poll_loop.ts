/**
 * The chain's poll loop: every `pollMs` of the clock, one deposit pass, then
 * unfinished settlements resumed, then stale link challenges forgotten; the
 * next pass is timed from the end of this one. The first pass runs at once (it
 * resumes what a crash interrupted). The clock's timer waits for the whole
 * pass, so under a virtual clock a settlement lands before time moves on
 * (settlement waits for receipts in real time). A failing step is logged and
 * the loop goes on; once stopped, nothing new starts and failures are not
 * reported (the storage may be closing).
 */
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { DepositScanner } from "./deposits.ts";
import type { Settlement } from "./settlement.ts";
import { forgetUnfinishedChallenges } from "./wallet_link.ts";

export interface PollLoopDeps {
  clock: Clock;
  db: Db;
  log: Log;
  scanner: DepositScanner;
  settlement: Settlement;
  pollMs: number;
}

/** Starts the loop; the stop resolves once the pass under way has finished. */
export function startPollLoop(deps: PollLoopDeps): () => Promise<void> {
  const { clock, db, log, scanner, settlement } = deps;
  let cancel = () => {};
  let stopped = false;
  let ticking: Promise<void> = Promise.resolve();
  const afterDeposits = async () => {
    await settlement.resumeAll().catch((error) =>
      stopped || log.error("settlement resume failed", { error })
    );
    if (stopped) return;
    // Challenges nobody finished are of no use a day later.
    await forgetUnfinishedChallenges(db, clock.instant().subtract({ hours: 24 }))
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
  };
}
