/**
 * The `funds` service on chain: an X account's current wallet, and its balance
 * in exact wei = credited deposits (pending + final) − debits − refunds over
 * every wallet the account has linked (accounts.ts). Before answering it
 * makes sure the deposits are scanned up to the current head (the head number
 * is cached briefly; a balance is never served from before a new block). When
 * the chain cannot be read, or a deposit of this wallet waits for the provider
 * quorum, it throws FundsUnavailableError: the bid waits instead of being rejected.
 */
import type { Db } from "../../core/db.ts";
import type { SecretBox } from "../../core/secret_box.ts";
import type { Clock } from "../../core/clock.ts";
import { type Funds, FundsUnavailableError } from "../auction/mod.ts";
import type { DepositScanner } from "./deposits.ts";
import type { Rpc } from "./rpc.ts";
import { accountOf, balancesOf, total } from "./accounts.ts";
import { walletOf } from "./wallet_link.ts";

export interface ChainFundsOptions {
  db: Db;
  rpc: Rpc;
  clock: Clock;
  scanner: DepositScanner;
  /** Opens the pairing (accounts.ts). */
  box: SecretBox;
  /** How long the head block number is reused before asking again. */
  headCacheMs: number;
}

export interface ChainFunds extends Funds {
  /** The current head, cached for at most `headCacheMs`. */
  head(): Promise<bigint>;
  /** Balance of an address (not a handle). */
  balanceOfAddress(address: string): Promise<bigint>;
}

export function createChainFunds(options: ChainFundsOptions): ChainFunds {
  const { db, rpc, clock, scanner, box } = options;
  let cachedHead: { value: bigint; at: number } | null = null;

  const head = async () => {
    const t = clock.instant().epochMilliseconds;
    if (cachedHead && t - cachedHead.at < options.headCacheMs) return cachedHead.value;
    const value = await rpc.client.getBlockNumber({ cacheTime: 0 });
    cachedHead = { value, at: t };
    return value;
  };

  /** Scanned up to the current head. */
  const synced = async () => {
    try {
      const h = await head();
      const last = scanner.last();
      if (!last || last.head < h || last.scannedTo < last.head || scanner.lastError()) {
        let report = await scanner.sync();
        // Joined a pass that began before block h: one more, which begins after it.
        if (report.head < h) report = await scanner.sync();
        if (report.scannedTo < h) {
          throw new Error(`still scanning: block ${report.scannedTo} of ${h}`);
        }
      }
    } catch (error) {
      throw new FundsUnavailableError(
        `the chain cannot be read now: ${(error as Error).message.split("\n")[0]}`,
      );
    }
  };
  const noneWaiting = (addresses: string[]) => {
    const waiting = scanner.waitingAddresses();
    if (addresses.some((a) => waiting.has(a))) {
      throw new FundsUnavailableError(
        "a deposit of this wallet waits for the RPC providers to agree",
      );
    }
  };

  const balanceOfAddress = async (address: string) => {
    await synced();
    noneWaiting([address]);
    return await creditedBalance(db, address);
  };

  return {
    head,
    balanceOfAddress,
    walletOf: (handle, xUserId) => walletOf(db, box, handle, xUserId),
    async balanceOf(handle, xUserId) {
      // Two statements: the link with its wallets, then (scanned up to the head) their balances.
      const account = await accountOf(db, box, handle, xUserId);
      if (!account) return 0n;
      await synced();
      noneWaiting(account.wallets);
      return total(await balancesOf(db, account.wallets));
    },
  };
}

/** Credited deposits − debits − refunds of an address, from the ledger alone. */
export async function creditedBalance(
  db: Pick<Db, "query">,
  address: string,
): Promise<bigint> {
  const [row] = await db.query<{ credited: string | null; spent: string | null }>(
    `select
       (select sum(amount_wei) from chain_deposits
         where lower(address) = lower($1) and stage in ('pending', 'final')) as credited,
       (select sum(amount_wei) from chain_movements where lower(address) = lower($1)) as spent`,
    [address],
  );
  return BigInt(row?.credited ?? "0") - BigInt(row?.spent ?? "0");
}
