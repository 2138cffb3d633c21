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
 * broadcast. A resumed step re-sends those same bytes or finds their receipt;
 * it never signs a second payment for the same step, so nothing is paid twice
 * whatever step a crash interrupts.
 */
import {
  type Account,
  type Address,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db, Queryable } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { serialQueue } from "../../core/serial_queue.ts";
import { bidderAccount } from "./auction_bidders.ts";
import { erc721Abi } from "./custody.ts";
import { debitWinner, planRefunds, winnerBalance } from "./settlement_ledger.ts";

export interface SettlementOptions {
  db: Db;
  client: PublicClient;
  account: Account;
  bus: Bus;
  clock: Clock;
  log: Log;
  /** How often a payment's receipt is polled. */
  pollMs: number;
  /** Give up waiting for one receipt after this long (the step resumes on the next run). */
  receiptTimeoutMs: number;
}

export interface ClosedAuction {
  auctionId: string;
  /** `bidderId`: the winner's X user id (the lower-case handle when the source gave none). */
  winner: { handle: string; amountWei: bigint; tweetId?: string; bidderId?: string } | null;
}

interface SettlementRow {
  auction_id: string;
  state: string;
  winner_handle: string | null;
  winner_id: string | null;
  winner_address: string | null;
  price_wei: string | null;
  nft_contract: string | null;
  token_id: string | null;
}

export interface PayoutRow {
  id: string;
  auction_id: string;
  kind: "nft" | "refund";
  address: string;
  amount_wei: string;
  state: "planned" | "signed" | "confirmed" | "failed";
  tx_hash: string | null;
  raw_tx: string | null;
  tx_nonce: string | null;
  fee_wei: string | null;
  attempts: number;
  error: string | null;
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
  stop(): void;
}

export class SettlementStopped extends Error {}

export function createSettlement(options: SettlementOptions): Settlement {
  const { db, client, account, bus, clock, log } = options;
  const escrow = account.address;
  let stopped = false;
  // One payment at a time: the escrow's nonces are taken in order.
  const payments = serialQueue();
  const now = () => new Date(clock.instant().epochMilliseconds);

  const setState = (q: Queryable, auctionId: string, state: string, error: string | null = null) =>
    q.query(
      "update chain_settlements set state = $2, error = $3, updated_at = $4 where auction_id = $1",
      [
        auctionId,
        state,
        error,
        now(),
      ],
    );

  /** The receipt; `replaced` when another transaction took its nonce; null on timeout. */
  async function waitReceipt(
    hash: Hash,
    nonce: number,
  ): Promise<TransactionReceipt | "replaced" | null> {
    const deadline = clock.instant().add({ milliseconds: options.receiptTimeoutMs });
    while (!stopped) {
      try {
        return await client.getTransactionReceipt({ hash });
      } catch (error) {
        if ((error as Error).name !== "TransactionReceiptNotFoundError") throw error;
      }
      const mined = await client.getTransactionCount({ address: escrow, blockTag: "latest" });
      if (mined > nonce) {
        const receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
        return receipt ?? "replaced";
      }
      if (Temporal.Instant.compare(clock.instant(), deadline) > 0) return null;
      await clock.sleep(options.pollMs);
    }
    throw new SettlementStopped("settlement stopped");
  }

  async function confirm(row: PayoutRow, receipt: TransactionReceipt) {
    const fee = receipt.gasUsed * receipt.effectiveGasPrice;
    if (receipt.status === "success") {
      await db.query(
        `update chain_payouts set state = 'confirmed', gas_used = $2, fee_wei = $3, error = null,
         updated_at = $4 where id = $1`,
        [row.id, receipt.gasUsed, fee, now()],
      );
    } else {
      await db.query(
        "update chain_payouts set state = 'failed', fee_wei = $2, error = 'reverted', updated_at = $3 where id = $1",
        [row.id, fee, now()],
      );
    }
  }

  async function reload(id: string): Promise<PayoutRow> {
    const [row] = await db.query<PayoutRow>("select * from chain_payouts where id = $1", [id]);
    return row;
  }

  /** Signs (once), stores, broadcasts and waits for one payment. */
  function pay(
    row: PayoutRow,
    data: { to: Address; value: bigint; data?: Hex },
  ): Promise<PayoutRow> {
    return payments.run(async () => {
      row = await reload(row.id);
      if (row.state === "confirmed" || row.state === "failed") return row;
      if (!row.raw_tx) {
        const nonce = await client.getTransactionCount({ address: escrow, blockTag: "pending" });
        const request = await client.prepareTransactionRequest({
          account,
          chain: client.chain,
          to: data.to,
          value: data.value,
          data: data.data,
          nonce,
        });
        const raw = await account.signTransaction!(request as never);
        const { keccak256 } = await import("viem");
        const hash = keccak256(raw);
        // Stored before broadcast: a crash after this line re-sends these very bytes.
        await db.query(
          `update chain_payouts set state = 'signed', raw_tx = $2, tx_hash = $3, tx_nonce = $4,
           attempts = attempts + 1, updated_at = $5 where id = $1 and raw_tx is null`,
          [row.id, raw, hash, nonce, now()],
        );
        row = await reload(row.id);
        log.debug("payment signed", {
          auctionId: row.auction_id,
          kind: row.kind,
          address: row.address,
          amountWei: row.amount_wei,
          txHash: row.tx_hash,
          nonce: row.tx_nonce,
        });
      }
      const hash = row.tx_hash as Hash;
      let receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
      if (!receipt) {
        try {
          await client.sendRawTransaction({ serializedTransaction: row.raw_tx as Hex });
        } catch (error) {
          const message = (error as Error).message;
          if (/nonce too low|nonce.*(lower|already)/i.test(message)) {
            receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
            if (!receipt) {
              await db.query(
                "update chain_payouts set state = 'failed', error = $2, updated_at = $3 where id = $1",
                [row.id, "its nonce was used by another transaction; retry the claim", now()],
              );
              return await reload(row.id);
            }
          } else if (!/already known|already imported|known transaction/i.test(message)) {
            throw error;
          }
        }
        const waited = receipt ?? await waitReceipt(hash, Number(row.tx_nonce));
        if (waited === "replaced") {
          await db.query(
            "update chain_payouts set state = 'failed', error = $2, updated_at = $3 where id = $1",
            [row.id, "another transaction took its nonce; retry the claim", now()],
          );
          return await reload(row.id);
        }
        receipt = waited;
      }
      if (!receipt) throw new Error(`no receipt for ${hash} yet`);
      await confirm(row, receipt);
      return await reload(row.id);
    });
  }

  async function plan(closed: ClosedAuction) {
    await db.transaction(async (tx) => {
      const exists = await tx.query("select 1 from chain_settlements where auction_id = $1", [
        closed.auctionId,
      ]);
      if (exists.length) return;
      const [item] = await tx.query<{ nft_contract: string | null; token_id: string | null }>(
        "select nft_contract, token_id from chain_auction_items where auction_id = $1",
        [closed.auctionId],
      );
      const winnerId = closed.winner
        ? await bidderAccount(tx, closed.auctionId, closed.winner)
        : null;
      const [link] = winnerId
        ? await tx.query<{ address: string }>(
          "select address from chain_links where x_user_id = $1",
          [winnerId],
        )
        : [];
      const winnerAddress = link?.address ?? null;
      let state = "planned";
      let error: string | null = null;
      if (closed.winner && !winnerAddress) {
        state = "failed";
        error = `the winner ${closed.winner.handle} has no linked wallet`;
      } else if (closed.winner && !item?.nft_contract) {
        state = "failed";
        error = "the auction's NFT (item.contract, item.tokenId) is unknown";
      }
      await tx.query(
        `insert into chain_settlements (auction_id, state, winner_handle, winner_id, winner_address,
           price_wei, nft_contract, token_id, error, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
        [
          closed.auctionId,
          state,
          closed.winner?.handle ?? null,
          winnerId,
          winnerAddress,
          closed.winner?.amountWei ?? null,
          item?.nft_contract ?? null,
          item?.token_id ?? null,
          error,
          now(),
        ],
      );
      if (state === "planned" && closed.winner && winnerAddress) {
        await tx.query(
          `insert into chain_payouts (auction_id, kind, address, amount_wei, state, updated_at)
           values ($1, 'nft', $2, 0, 'planned', $3) on conflict do nothing`,
          [closed.auctionId, winnerAddress, now()],
        );
      }
    });
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

  async function announceSettled(auctionId: string, winner: string | null) {
    const [nft] = await db.query<{ tx_hash: string | null }>(
      "select tx_hash from chain_payouts where auction_id = $1 and kind = 'nft'",
      [auctionId],
    );
    bus.emit("auction.settled", { auctionId, winner, txHash: nft?.tx_hash ?? null });
  }

  async function runOnce(auctionId: string): Promise<string> {
    const [s] = await db.query<SettlementRow>(
      "select * from chain_settlements where auction_id = $1",
      [
        auctionId,
      ],
    );
    if (!s) throw new Error(`no settlement planned for ${auctionId}`);
    let state = s.state;
    if (state === "failed") return state;
    if (state === "settled") {
      // Told again: a crash may have come between settling and the auction hearing it.
      await announceSettled(auctionId, s.winner_handle);
      return state;
    }

    if (state === "planned" && s.winner_address) {
      const [nft] = await db.query<PayoutRow>(
        "select * from chain_payouts where auction_id = $1 and kind = 'nft'",
        [auctionId],
      );
      if (!nft.raw_tx) {
        // Never hand over the token unpaid (e.g. a deposit reversed by a reorg after the bid).
        const balance = await winnerBalance(db, s);
        if (balance < BigInt(s.price_wei ?? "0")) {
          await setState(
            db,
            auctionId,
            "failed",
            `the winner's credited balance ${balance} wei is below the price ${s.price_wei} wei`,
          );
          return "failed";
        }
      }
      const contract = getAddress(s.nft_contract!);
      const tokenId = BigInt(s.token_id!);
      let from = escrow;
      if (!nft.raw_tx) {
        from = getAddress(
          await client.readContract({
            address: contract,
            abi: erc721Abi,
            functionName: "ownerOf",
            args: [tokenId],
          }),
        );
      }
      const done = await pay(nft, {
        to: contract,
        value: 0n,
        data: encodeFunctionData({
          abi: erc721Abi,
          functionName: "safeTransferFrom",
          args: [from, getAddress(s.winner_address), tokenId],
        }),
      });
      if (done.state !== "confirmed") {
        await setState(db, auctionId, "failed", `NFT transfer failed: ${done.error}`);
        return "failed";
      }
      const owner = await client.readContract({
        address: contract,
        abi: erc721Abi,
        functionName: "ownerOf",
        args: [tokenId],
      });
      if (getAddress(owner) !== getAddress(s.winner_address)) {
        await setState(db, auctionId, "failed", `after transfer the token is owned by ${owner}`);
        return "failed";
      }
      await setState(db, auctionId, state = "nft-confirmed");
    } else if (state === "planned") {
      await setState(db, auctionId, state = "nft-confirmed"); // no winner: nothing to transfer
    }

    if (state === "nft-confirmed") {
      await db.transaction(async (tx) => {
        await debitWinner(tx, s, now());
        await setState(tx, auctionId, "debited");
      });
      state = "debited";
    }

    if (state === "debited") {
      await db.transaction(async (tx) => {
        await planRefunds(tx, s, now());
        await setState(tx, auctionId, "refunding");
      });
      state = "refunding";
    }

    if (state === "refunding" || state === "claims-open") {
      const refunds = await db.query<PayoutRow>(
        "select * from chain_payouts where auction_id = $1 and kind = 'refund' order by id",
        [auctionId],
      );
      let failed = 0;
      for (const r of refunds) {
        if (r.state === "failed") {
          failed++;
          continue;
        }
        let done: PayoutRow;
        try {
          done = await pay(r, { to: getAddress(r.address), value: BigInt(r.amount_wei) });
        } catch (error) {
          if (error instanceof SettlementStopped) throw error;
          await db.query(
            "update chain_payouts set error = $2, updated_at = $3 where id = $1",
            [r.id, (error as Error).message.split("\n")[0], now()],
          );
          throw error;
        }
        if (done.state === "failed") {
          failed++;
          log.warn("refund failed; it is now a claim", {
            auctionId,
            address: r.address,
            error: done.error,
          });
        }
      }
      const next = failed ? "claims-open" : "settled";
      const first = state === "refunding";
      await setState(db, auctionId, next);
      if (first) {
        await announceSettled(auctionId, s.winner_handle);
        log.info("auction settled", { auctionId, state: next, claims: failed });
      }
      state = next;
    }
    return state;
  }

  return {
    plan,
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
      const row = await reload(payoutId);
      if (!row || row.state !== "failed" || row.kind !== "refund") {
        throw new Error(`payout ${payoutId} is not a failed refund`);
      }
      if (row.tx_hash) {
        const receipt = await client.getTransactionReceipt({ hash: row.tx_hash as Hash }).catch(
          () => null,
        );
        if (receipt?.status === "success") {
          await confirm(row, receipt);
          return await reload(payoutId);
        }
      }
      await db.query(
        `update chain_payouts set state = 'planned', raw_tx = null, tx_hash = null, tx_nonce = null,
         error = null, updated_at = $2 where id = $1 and state = 'failed'`,
        [payoutId, now()],
      );
      const done = await pay(await reload(payoutId), {
        to: getAddress(row.address),
        value: BigInt(row.amount_wei),
      });
      const left = await db.query(
        "select 1 from chain_payouts where auction_id = $1 and state <> 'confirmed'",
        [row.auction_id],
      );
      if (left.length === 0) await setState(db, row.auction_id, "settled");
      return done;
    },
    claims: () =>
      db.query<PayoutRow>("select * from chain_payouts where state = 'failed' order by id"),
    stop() {
      stopped = true;
    },
  };
}
