/**
 * Settlement: one resumable state machine per closed auction.
 *
 *   planned → nft-confirmed (safeTransferFrom to the winning account's current
 *             wallet, ownerOf checked)
 *           → debited (the winner's price, in the same transaction as the state)
 *           → refunding (every bidding account's remaining balance planned as
 *             refunds, less what backs its lead in another auction still running
 *             or its win in another closed one not yet debited,
 *             each wallet's to that wallet)
 *           → settled | claims-open (a refund failed: a claim the admin can retry)
 *
 * Bidders are X accounts, not handles (accounts.ts): a handle that moved to
 * another account names neither the previous owner's wallet nor its escrow.
 *
 * Every payment is signed and stored (raw bytes, nonce, hash) before it is
 * broadcast (settlement_payments.ts). A resumed step re-sends those same bytes
 * or finds their receipt; it never signs a second payment for the same step, so
 * nothing is paid twice whatever step a crash interrupts. One run per auction
 * at a time; the steps are in settlement_steps.ts, the plan in settlement_plan.ts.
 */
import { getAddress, type Hash } from "viem";
import type { Account, PublicClient } from "viem";
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { SecretBox } from "../../core/secret_box.ts";
import { type ClosedAuction, planSettlement } from "./settlement_plan.ts";
import { createPayments, type PayoutRow, SettlementStopped } from "./settlement_payments.ts";
import {
  announceSettled,
  debitAndPlanRefunds,
  payRefunds,
  setState,
  type SettlementRow,
  type StepDeps,
  transferNft,
} from "./settlement_steps.ts";

export type { ClosedAuction, PayoutRow };
export { SettlementStopped };

export interface SettlementOptions {
  db: Db;
  client: PublicClient;
  account: Account;
  bus: Bus;
  clock: Clock;
  log: Log;
  /** Opens the winner's wallets (the pairing is sealed: pairing.ts). */
  box: SecretBox;
  /** How often a payment's receipt is polled. */
  pollMs: number;
  /** Give up waiting for one receipt after this long (the step resumes on the next run). */
  receiptTimeoutMs: number;
}

export interface Settlement {
  /** Records the plan for a closed auction (idempotent). */
  plan(closed: ClosedAuction): Promise<void>;
  /** Runs (or resumes) the machine of one auction to its end. */
  run(auctionId: string): Promise<string>;
  /** Resumes every unfinished settlement. */
  resumeAll(): Promise<void>;
  /** Retries a failed refund (a claim). */
  retryClaim(payoutId: string): Promise<PayoutRow>;
  claims(): Promise<PayoutRow[]>;
  /** Settlements that failed, oldest first, with why. */
  failed(): Promise<{ auction_id: string; error: string | null }[]>;
  stop(): void;
}

export function createSettlement(options: SettlementOptions): Settlement {
  const { db, client, clock, log } = options;
  const payments = createPayments(options);
  const steps: StepDeps = { ...options, payments };

  async function runOnce(auctionId: string): Promise<string> {
    const [s] = await db.query<SettlementRow>(
      "select * from chain_settlements where auction_id = $1",
      [auctionId],
    );
    if (!s) throw new Error(`no settlement planned for ${auctionId}`);
    let state = s.state;
    if (state === "failed") return state;
    if (state === "settled") {
      // Told again: a crash may have come between settling and the auction hearing it.
      await announceSettled(steps, auctionId, s.winner_handle);
      return state;
    }
    if (state === "planned") state = await transferNft(steps, s);
    state = await debitAndPlanRefunds(steps, s, state);
    if (state === "refunding" || state === "claims-open") state = await payRefunds(steps, s, state);
    return state;
  }

  // One run per auction at a time (the close handler and the poll loop may both ask).
  const running = new Map<string, Promise<string>>();
  function run(auctionId: string): Promise<string> {
    let current = running.get(auctionId);
    if (!current) {
      current = runOnce(auctionId).finally(() => running.delete(auctionId));
      running.set(auctionId, current);
    }
    return current;
  }

  return {
    plan: (closed) => planSettlement(db, options.box, clock, closed),
    run,
    async resumeAll() {
      const open = await db.query<{ auction_id: string }>(
        "select auction_id from chain_settlements where state not in ('settled', 'failed', 'claims-open') order by created_at",
      );
      for (const { auction_id } of open) {
        try {
          await run(auction_id);
        } catch (error) {
          if (error instanceof SettlementStopped) return;
          log.error("settlement step failed; it resumes on the next pass", {
            auctionId: auction_id,
            error,
          });
        }
      }
    },
    async retryClaim(payoutId) {
      const row = await payments.reload(payoutId);
      if (!row || row.state !== "failed" || row.kind !== "refund") {
        throw new Error(`payout ${payoutId} is not a failed refund`);
      }
      if (row.tx_hash) {
        const receipt = await client.getTransactionReceipt({ hash: row.tx_hash as Hash }).catch(
          () => null,
        );
        if (receipt?.status === "success") {
          await payments.confirm(row, receipt);
          return await payments.reload(payoutId);
        }
      }
      await db.query(
        `update chain_payouts set state = 'planned', raw_tx = null, tx_hash = null, tx_nonce = null,
         error = null, updated_at = $2 where id = $1 and state = 'failed'`,
        [payoutId, new Date(clock.instant().epochMilliseconds)],
      );
      const done = await payments.pay(await payments.reload(payoutId), {
        to: getAddress(row.address),
        value: BigInt(row.amount_wei),
      });
      const left = await db.query(
        "select 1 from chain_payouts where auction_id = $1 and state <> 'confirmed'",
        [row.auction_id],
      );
      if (left.length === 0) await setState(db, clock, row.auction_id, "settled");
      return done;
    },
    claims: () =>
      db.query<PayoutRow>("select * from chain_payouts where state = 'failed' order by id"),
    failed: () =>
      db.query<{ auction_id: string; error: string | null }>(
        "select auction_id, error from chain_settlements where state = 'failed' order by created_at",
      ),
    stop: () => payments.stop(),
  };
}
