/**
 * The chain's bus handlers. They write what later ones read (the lot and the
 * bidders before a close is planned), so they run one at a time in the order
 * the events were emitted (one serial queue); a failing one is logged and costs
 * only its own event. Paying a settlement runs outside the queue: it takes
 * blocks, and other events must not wait for it.
 */
import type { Bus, BusEvent } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { serialQueue } from "../../core/serial_queue.ts";
import { recordBid, recordLeader } from "./auction_bidders.ts";
import { answerKeepRequest } from "./keep_funds.ts";
import type { Lots } from "./lots.ts";
import { type Settlement, SettlementStopped } from "./settlement.ts";
import { completeLink, type WalletLinkDeps } from "./wallet_link.ts";

export interface ChainHandlersDeps {
  bus: Bus;
  clock: Clock;
  db: Db;
  log: Log;
  lots: Lots;
  settlement: Settlement;
  linkDeps: WalletLinkDeps;
}

/** Subscribes the handlers; the stop unsubscribes and waits for what they were told. */
export function listenInOrder(deps: ChainHandlersDeps): () => Promise<void> {
  const { bus, clock, db, log, lots, settlement } = deps;
  const handlers = serialQueue();
  const inOrder = <T extends string>(type: T, handler: (event: BusEvent<T>) => Promise<void>) =>
    bus.on(type, (event) => {
      handlers.run(() => handler(event)).catch((error) =>
        log.error("event handler failed", { event: type, error })
      );
    });
  const offs = [
    inOrder("wallet.link-requested", async (event) => {
      await completeLink(deps.linkDeps, event.payload);
    }),
    inOrder("funds.keep-requested", async (event) => {
      await answerKeepRequest(
        { db, clock, bus },
        event.payload,
      );
    }),
    inOrder("bid.accepted", async (event) => {
      await recordBid(db, event.payload);
    }),
    ...(["auction.opened", "auction.updated"] as const).map((type) =>
      inOrder(type, async (event) => {
        const p = event.payload;
        await lots.recordItem(p.auctionId, p.item);
      })
    ),
    inOrder("auction.updated", async (event) => {
      await recordLeader(
        db,
        event.payload,
        new Date(clock.instant().epochMilliseconds),
      );
    }),
    inOrder("auction.closed", async (event) => {
      const p = event.payload;
      await settlement.plan(p);
      settlement.run(p.auctionId).catch((error) => {
        if (error instanceof SettlementStopped) return;
        log.error("settlement step failed; it resumes on the next pass", {
          auctionId: p.auctionId,
          error,
        });
      });
    }),
  ];
  return async () => {
    for (const off of offs) off();
    await handlers.drained(); // what they were told is written (the bidders settlement refunds)
  };
}
