/**
 * Settlement's payments: the only file that signs escrow transactions, and the
 * writer of a payout's transaction fields (`chain_payouts` raw bytes, hash,
 * nonce, state). A payment is signed once and stored before it is broadcast; a
 * resumed payment re-sends those bytes or finds their receipt, so nothing is
 * paid twice. Payments run one at a time (one serial queue): the escrow's nonces
 * are taken in order. Receipts are polled on the engine's clock, and a wait
 * ends at once on stop.
 */
import {
  type Account,
  type Address,
  type Hash,
  type Hex,
  keccak256,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { serialQueue } from "../../core/serial_queue.ts";

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

export class SettlementStopped extends Error {}

export interface PaymentsOptions {
  db: Db;
  client: PublicClient;
  account: Account;
  clock: Clock;
  log: Log;
  /** How often a payment's receipt is polled. */
  pollMs: number;
  /** Give up waiting for one receipt after this long (the step resumes on the next run). */
  receiptTimeoutMs: number;
}

export interface Payments {
  /** The paying account (escrow and custody). */
  escrow: Address;
  /** Signs (once), stores, broadcasts and waits for one payment. */
  pay(row: PayoutRow, tx: { to: Address; value: bigint; data?: Hex }): Promise<PayoutRow>;
  /** Records a mined payment's outcome (confirmed, or failed when reverted). */
  confirm(row: PayoutRow, receipt: TransactionReceipt): Promise<void>;
  reload(id: string): Promise<PayoutRow>;
  /** Marks a payout failed with why (it becomes a claim when it is a refund). */
  fail(id: string, error: string): Promise<PayoutRow>;
  /** Notes a payout's last error without changing its state. */
  note(id: string, error: string): Promise<void>;
  /** Stops waiting for receipts (SettlementStopped). */
  stop(): void;
}

export function createPayments(options: PaymentsOptions): Payments {
  const { db, client, account, clock, log } = options;
  const escrow = account.address;
  const queue = serialQueue();
  let stopped = false;
  // On the engine's clock, like every wait of the engine: a virtual clock decides when a receipt
  // is asked for again and when a wait gives up. Nothing holds that clock while a payment waits
  // (the poll loop does not wait for settlement), so it can always move on.
  let wake = () => {};
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const cancel = clock.after(ms, resolve);
      wake = () => {
        cancel();
        resolve();
      };
    });
  const now = () => new Date(clock.instant().epochMilliseconds);

  const reload = async (id: string) =>
    (await db.query<PayoutRow>("select * from chain_payouts where id = $1", [id]))[0];

  const fail = async (id: string, error: string) => {
    await db.query(
      "update chain_payouts set state = 'failed', error = $2, updated_at = $3 where id = $1",
      [id, error, now()],
    );
    return await reload(id);
  };

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
      await pause(options.pollMs);
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

  /** Signs the payment and stores it before anything is broadcast. */
  async function sign(row: PayoutRow, tx: { to: Address; value: bigint; data?: Hex }) {
    const nonce = await client.getTransactionCount({ address: escrow, blockTag: "pending" });
    const request = await client.prepareTransactionRequest({
      account,
      chain: client.chain,
      to: tx.to,
      value: tx.value,
      data: tx.data,
      nonce,
    });
    const raw = await account.signTransaction!(request as never);
    const hash = keccak256(raw);
    // Stored before broadcast: a crash after this line re-sends these very bytes.
    await db.query(
      `update chain_payouts set state = 'signed', raw_tx = $2, tx_hash = $3, tx_nonce = $4,
       attempts = attempts + 1, updated_at = $5 where id = $1 and raw_tx is null`,
      [row.id, raw, hash, nonce, now()],
    );
    const signed = await reload(row.id);
    log.debug("payment signed", {
      auctionId: signed.auction_id,
      kind: signed.kind,
      address: signed.address,
      amountWei: signed.amount_wei,
      txHash: signed.tx_hash,
      nonce: signed.tx_nonce,
    });
    return signed;
  }

  /** Broadcasts the stored bytes (again) and waits; a string says why the payment failed. */
  async function broadcast(row: PayoutRow): Promise<TransactionReceipt | string | null> {
    const hash = row.tx_hash as Hash;
    const receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
    if (receipt) return receipt;
    try {
      await client.sendRawTransaction({ serializedTransaction: row.raw_tx as Hex });
    } catch (error) {
      const message = (error as Error).message;
      if (/nonce too low|nonce.*(lower|already)/i.test(message)) {
        return await client.getTransactionReceipt({ hash }).catch(() => null) ??
          "its nonce was used by another transaction; retry the claim";
      }
      if (!/already known|already imported|known transaction/i.test(message)) throw error;
    }
    const waited = await waitReceipt(hash, Number(row.tx_nonce));
    return waited === "replaced" ? "another transaction took its nonce; retry the claim" : waited;
  }

  return {
    escrow,
    pay: (row, tx) =>
      queue.run(async () => {
        row = await reload(row.id);
        if (row.state === "confirmed" || row.state === "failed") return row;
        if (!row.raw_tx) row = await sign(row, tx);
        const outcome = await broadcast(row);
        if (typeof outcome === "string") return await fail(row.id, outcome);
        if (!outcome) throw new Error(`no receipt for ${row.tx_hash} yet`);
        await confirm(row, outcome);
        return await reload(row.id);
      }),
    confirm,
    reload,
    fail,
    async note(id, error) {
      await db.query("update chain_payouts set error = $2, updated_at = $3 where id = $1", [
        id,
        error,
        now(),
      ]);
    },
    stop() {
      stopped = true;
      wake();
    },
  };
}
