/**
 * Escrow deposits. Each pass scans new blocks for transfers to the escrow
 * address, reconciles the escrow balance against what the scan explains (so an
 * inflow from a contract wallet's internal call is found too), then moves each
 * deposit through its stages: `seen` → `pending` (N confirmations, receipt agreed
 * by the provider quorum) → `final` (at or below the `finalized` block). The
 * block hash is kept; a reorg that drops a credited deposit reverses it.
 * The balance a range starts from is the scanner's own checkpoint (kept with the
 * last block of each pass), never an old block's state: providers prune history,
 * and a node that cannot answer for an old block costs only that range's
 * reconciliation, never the pass. The scanner's steps (reorg rewind, block scan,
 * reconciliation, stages) are functions of their own over one `ScanContext`.
 */
import { type Address, getAddress, type Hash } from "viem";
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { SecretBox } from "../../core/secret_box.ts";
import { ownerOf } from "./accounts.ts";
import { walletMac } from "./pairing.ts";
import { isDisagreement, rootMessage, type Rpc } from "./rpc.ts";

export interface DepositScannerOptions {
  db: Db;
  rpc: Rpc;
  bus: Bus;
  clock: Clock;
  log: Log;
  /** Finds a wallet's account by its mac (the pairing is sealed: pairing.ts). */
  box: SecretBox;
  escrow: Address;
  confirmations: number;
  /** First block to scan when nothing was scanned yet (default: 1000 blocks back). */
  startBlock?: bigint;
  /** Blocks scanned per pass at most, so one pass stays short. */
  maxBlocksPerPass?: number;
  /** Other scans over the same blocks (token transfers): same cursor, same reorg rewind. */
  alsoScan?: RangeScan[];
}

/** A scan that follows the deposit scanner's blocks. */
export interface RangeScan {
  /** Blocks `from`..`to` (their hashes as scanned); runs before the cursor moves past them. */
  scan(from: bigint, to: bigint, hashes: Map<bigint, Hash>): Promise<void>;
  /** A reorg: forget what was recorded in blocks above `above` (they are scanned again). */
  rewind(above: bigint): Promise<void>;
}

export interface SyncReport {
  head: bigint;
  finalized: bigint;
  scannedTo: bigint;
  /** Deposits the provider quorum could not confirm yet (outage or disagreement). */
  waiting: number;
}

export interface DepositScanner {
  /** One pass; concurrent callers share it. Throws when the chain cannot be read. */
  sync(): Promise<SyncReport>;
  /** The last successful pass, if any. */
  last(): (SyncReport & { at: Temporal.Instant }) | null;
  /** The last failure, cleared by a successful pass. */
  lastError(): string | null;
  /** Addresses with a deposit the quorum could not confirm in the last pass. */
  waitingAddresses(): Set<string>;
  /** Registers a deposit transaction named by a bidder, so it is tracked like a scanned one. */
  track(txHash: Hash): Promise<TrackedDeposit | null>;
}

export interface TrackedDeposit {
  txHash: string;
  address: string;
  amountWei: bigint;
  blockNumber: bigint;
  stage: string;
}

interface DepositRow {
  tx_hash: string;
  address: string;
  amount_wei: string;
  block_number: string;
  block_hash: string;
  stage: string;
}

/** What the scanner's steps share: its options and the clock's time as a Date. */
interface ScanContext extends DepositScannerOptions {
  now(): Date;
}

export function createDepositScanner(options: DepositScannerOptions): DepositScanner {
  const { db, rpc, clock, escrow } = options;
  const maxBlocks = BigInt(options.maxBlocksPerPass ?? 500);
  let running: Promise<SyncReport> | null = null;
  let lastReport: (SyncReport & { at: Temporal.Instant }) | null = null;
  let lastError: string | null = null;
  let waiting = new Set<string>();
  const c: ScanContext = {
    ...options,
    now: () => new Date(clock.instant().epochMilliseconds),
  };

  async function pass(): Promise<SyncReport> {
    const [head] = await Promise.all([rpc.client.getBlockNumber({ cacheTime: 0 }), rpc.probe()]);
    const finalizedBlock = await rpc.client.getBlock({ blockTag: "finalized" }).catch(() => null);
    const finalized = finalizedBlock?.number ?? 0n;
    const cursor = await rewindOnReorg(c, head);
    const from = cursor !== null
      ? cursor + 1n
      : options.startBlock ?? (head > 1000n ? head - 1000n : 0n);
    if (from === 0n) {
      // Genesis holds allocations, not deposits: start the ledger after it.
      const genesis = await rpc.client.getBlock({ blockNumber: 0n });
      await db.query(
        "insert into chain_blocks (number, hash) values (0, $1) on conflict (number) do update set hash = $1",
        [genesis.hash],
      );
      return await pass();
    }
    let to = head;
    if (to - from + 1n > maxBlocks) to = from + maxBlocks - 1n;
    if (from <= to) await scan(c, from, to);
    waiting = await advanceStages(c, head, finalized);
    // Keep a window of block hashes below the finalized block for reorg checks; drop the rest.
    if (finalized > 256n) {
      await db.query("delete from chain_blocks where number < $1", [finalized - 256n]);
    }
    return { head, finalized, scannedTo: to, waiting: waiting.size };
  }

  return {
    sync() {
      if (running) return running;
      running = pass().then((report) => {
        lastReport = { ...report, at: clock.instant() };
        lastError = null;
        return report;
      }, (error) => {
        lastError = rootMessage(error);
        throw error;
      }).finally(() => {
        running = null;
      });
      return running;
    },
    last: () => lastReport,
    lastError: () => lastError,
    waitingAddresses: () => waiting,
    async track(txHash) {
      const tx = await rpc.client.getTransaction({ hash: txHash }).catch((error) => {
        if ((error as Error).name === "TransactionNotFoundError") return null;
        throw error;
      });
      if (!tx || !tx.blockNumber || !tx.blockHash) return null;
      if (!tx.to || getAddress(tx.to) !== escrow || tx.value === 0n) return null;
      await record(c, tx, tx.blockNumber, tx.blockHash, "tx");
      const [row] = await db.query<DepositRow>("select * from chain_deposits where tx_hash = $1", [
        txHash,
      ]);
      return {
        txHash,
        address: row.address,
        amountWei: BigInt(row.amount_wei),
        blockNumber: BigInt(row.block_number),
        stage: row.stage,
      };
    },
  };
}

/** Finds the highest stored block still on the canonical chain; forgets those above it. */
async function rewindOnReorg(c: ScanContext, head: bigint): Promise<bigint | null> {
  const { db, rpc, log, alsoScan = [] } = c;
  const stored = await db.query<{ number: string; hash: string }>(
    "select number, hash from chain_blocks order by number desc limit 128",
  );
  for (const row of stored) {
    const n = BigInt(row.number);
    if (n <= head) {
      const block = await rpc.client.getBlock({ blockNumber: n });
      if (block.hash === row.hash) {
        if (n !== BigInt(stored[0].number)) {
          log.warn("reorg under the scan cursor", { from: stored[0].number, to: row.number });
          await db.query("delete from chain_blocks where number > $1", [n]);
          for (const also of alsoScan) await also.rewind(n);
        }
        return n;
      }
    }
  }
  if (stored.length) {
    log.warn("reorg deeper than the blocks kept; rescanning them", { blocks: stored.length });
    const lowest = BigInt(stored.at(-1)!.number);
    await db.query("delete from chain_blocks where number >= $1", [lowest]);
    for (const also of alsoScan) await also.rewind(lowest - 1n);
    return lowest - 1n;
  }
  return null;
}

async function record(
  c: ScanContext,
  tx: { hash: Hash; from: Address; value: bigint },
  blockNumber: bigint,
  blockHash: Hash,
  source: "tx" | "balance",
) {
  const { db, now } = c;
  await db.query(
    `insert into chain_deposits (tx_hash, address, amount_wei, block_number, block_hash, source, stage, seen_at)
     values ($1, $2, $3, $4, $5, $6, 'seen', $7)
     on conflict (tx_hash) do update set block_number = $4, block_hash = $5,
       stage = case when chain_deposits.stage in ('reversed', 'dropped') then 'seen'
                    else chain_deposits.stage end`,
    [tx.hash, getAddress(tx.from), tx.value, blockNumber, blockHash, source, now()],
  );
}

async function scan(c: ScanContext, from: bigint, to: bigint) {
  const { db, rpc, escrow, alsoScan = [] } = c;
  let explained = 0n;
  const blocks: {
    number: bigint;
    hash: Hash;
    txs: { hash: Hash; from: Address; to: Address | null }[];
  }[] = [];
  for (let n = from; n <= to; n++) {
    const block = await rpc.client.getBlock({ blockNumber: n, includeTransactions: true });
    const hash = block.hash!;
    for (const tx of block.transactions) {
      if (tx.to && getAddress(tx.to) === escrow && tx.value > 0n) {
        await record(c, tx, n, hash, "tx");
        explained += tx.value;
      }
      if (getAddress(tx.from) === escrow) {
        const receipt = await rpc.client.getTransactionReceipt({ hash: tx.hash });
        explained -= receipt.gasUsed * receipt.effectiveGasPrice;
        if (receipt.status === "success") explained -= tx.value;
        if (receipt.status !== "success" && tx.to && getAddress(tx.to) === escrow) {
          explained -= tx.value; // a self-transfer that reverted moved nothing
        }
      }
    }
    blocks.push({
      number: n,
      hash,
      txs: block.transactions.map((t) => ({ hash: t.hash, from: t.from, to: t.to })),
    });
  }
  const balance = await reconcile(c, from, to, explained, blocks);
  const hashes = new Map(blocks.map((b) => [b.number, b.hash]));
  for (const also of alsoScan) await also.scan(from, to, hashes);
  for (const b of blocks) {
    await db.query(
      `insert into chain_blocks (number, hash, escrow_balance_wei) values ($1, $2, $3)
       on conflict (number) do update set hash = $2, escrow_balance_wei = $3`,
      [b.number, b.hash, b.number === to ? balance : null],
    );
  }
}

/**
 * The escrow balance at block `n`, or null when the node no longer keeps that block's state
 * (pruned history: real providers keep ~128 blocks, a restarted anvil may keep fewer). An
 * outage is told apart by asking for the latest state, which throws when the node is down.
 */
async function balanceAt(c: ScanContext, n: bigint): Promise<bigint | null> {
  const { rpc, log, escrow } = c;
  try {
    return await rpc.client.getBalance({ address: escrow, blockNumber: n });
  } catch (error) {
    if (isDisagreement(error)) {
      // Not verified by the quorum: like a pruned block, nothing is attributed from it.
      log.warn("the escrow balance is not confirmed by the providers", {
        block: n,
        error: (error as Error).message.split("\n")[0],
      });
      return null;
    }
    await rpc.client.getBalance({ address: escrow, blockTag: "latest" });
    log.debug("no state for an old block", { block: n, error: (error as Error).message });
    return null;
  }
}

/** The balance this scanner recorded after block `n` (its own checkpoint), if any. */
async function recordedBalance(c: ScanContext, n: bigint): Promise<bigint | null> {
  const { db } = c;
  const [row] = await db.query<{ escrow_balance_wei: string | null }>(
    "select escrow_balance_wei from chain_blocks where number = $1",
    [n],
  );
  return row?.escrow_balance_wei != null ? BigInt(row.escrow_balance_wei) : null;
}

/**
 * Compares the escrow balance change with what the scan explained; attributes the rest.
 * The balance before comes from the scanner's own checkpoint, so no old state is needed
 * in the steady state. Returns the balance after `to`, when known, as the next checkpoint.
 */
async function reconcile(
  c: ScanContext,
  from: bigint,
  to: bigint,
  explained: bigint,
  blocks: {
    number: bigint;
    hash: Hash;
    txs: { hash: Hash; from: Address; to: Address | null }[];
  }[],
): Promise<bigint | null> {
  const { db, rpc, log, escrow } = c;
  const after = await balanceAt(c, to);
  const before = await recordedBalance(c, from - 1n) ?? await balanceAt(c, from - 1n);
  if (before === null || after === null) {
    log.warn(
      "the RPC no longer keeps the escrow balance of these blocks: transfers to the escrow in them are credited, other inflows are not looked for",
      { from, to },
    );
    return after;
  }
  const unexplained = after - before - explained;
  if (unexplained === 0n) return after;
  if (to - from > 200n) {
    log.warn("escrow balance differs from the scanned transfers", {
      from,
      to,
      unexplainedWei: unexplained,
    });
    return after;
  }
  // Find the blocks where it happened, and the linked wallet involved in each.
  const linked = await linkedAmong(c, blocks.flatMap((b) => b.txs.flatMap((t) => [t.from, t.to])));
  const balances: bigint[] = [];
  for (const b of blocks) {
    const balance = await balanceAt(c, b.number);
    if (balance === null) {
      // History pruned while we looked: the range's inflow is known, not its blocks.
      await unattributed(c, to, blocks.at(-1)!.hash, unexplained);
      return after;
    }
    balances.push(balance);
  }
  let previous = before;
  for (const [i, b] of blocks.entries()) {
    const balance = balances[i];
    const delta = balance - previous;
    previous = balance;
    let blockExplained = 0n;
    const deposits = await db.query<{ amount_wei: string }>(
      "select amount_wei from chain_deposits where block_hash = $1 and source = 'tx'",
      [b.hash],
    );
    for (const d of deposits) blockExplained += BigInt(d.amount_wei);
    for (const t of b.txs) {
      if (getAddress(t.from) !== escrow) continue;
      const r = await rpc.client.getTransactionReceipt({ hash: t.hash });
      const tx = await rpc.client.getTransaction({ hash: t.hash });
      blockExplained -= r.gasUsed * r.effectiveGasPrice +
        (r.status === "success" ? tx.value : 0n);
    }
    const inflow = delta - blockExplained;
    if (inflow <= 0n) continue;
    const involved = b.txs.filter((t) =>
      (t.to && linked.has(getAddress(t.to))) || linked.has(getAddress(t.from))
    );
    const wallets = new Set(
      involved.map((t) =>
        t.to && linked.has(getAddress(t.to)) ? getAddress(t.to) : getAddress(t.from)
      ),
    );
    if (involved.length === 1 && wallets.size === 1) {
      const [wallet] = wallets;
      await record(
        c,
        { hash: involved[0].hash, from: wallet, value: inflow },
        b.number,
        b.hash,
        "balance",
      );
      log.info("inflow attributed by balance", {
        block: b.number,
        address: wallet,
        amountWei: inflow,
      });
    } else {
      await unattributed(c, b.number, b.hash, inflow);
    }
  }
  return after;
}

/** Which of `addresses` are linked wallets: one statement by their macs, no row opened. */
async function linkedAmong(c: ScanContext, addresses: (Address | null)[]): Promise<Set<string>> {
  const all = [...new Set(addresses.filter((a) => a !== null).map((a) => getAddress(a)))];
  if (all.length === 0) return new Set();
  const macs = new Map(
    await Promise.all(all.map(async (a) => [await walletMac(c.box, a), a] as const)),
  );
  const rows = await c.db.query<{ address_mac: string }>(
    "select address_mac from chain_wallets where address_mac = any($1)",
    [[...macs.keys()]],
  );
  return new Set(rows.map((r) => macs.get(r.address_mac)!));
}

async function unattributed(c: ScanContext, block: bigint, hash: Hash, amountWei: bigint) {
  const { db, log, now } = c;
  await db.query(
    `insert into chain_unattributed (block_number, block_hash, amount_wei, found_at)
     values ($1, $2, $3, $4) on conflict (block_number) do update set block_hash = $2, amount_wei = $3`,
    [block, hash, amountWei, now()],
  );
  log.warn("escrow inflow nobody linked explains", { block, amountWei });
}

async function advanceStages(
  c: ScanContext,
  head: bigint,
  finalized: bigint,
): Promise<Set<string>> {
  const { db, rpc, log, bus, box, now, confirmations: needed } = c;
  const stuck = new Set<string>();
  const open = await db.query<DepositRow>(
    "select * from chain_deposits where stage in ('seen', 'pending') order by block_number",
  );
  for (const d of open) {
    const answer = await rpc.agreedReceipt(d.tx_hash as Hash);
    if (answer.kind === "unavailable") {
      stuck.add(d.address);
      continue;
    }
    const amountWei = BigInt(d.amount_wei);
    if (answer.kind === "missing" || answer.receipt.status !== "success") {
      const stage = answer.kind === "missing" ? "dropped" : "failed";
      const credited = d.stage === "pending";
      await db.query(
        "update chain_deposits set stage = $2, reversed_at = $3 where tx_hash = $1",
        [d.tx_hash, credited ? "reversed" : stage, now()],
      );
      if (credited) {
        log.warn("deposit reversed", { txHash: d.tx_hash, address: d.address, amountWei });
        bus.emit("deposit.reversed", {
          txHash: d.tx_hash,
          address: d.address,
          xUserId: (await ownerOf(db, box, d.address))?.xUserId ?? null,
          amountWei,
        });
      }
      continue;
    }
    const receipt = answer.receipt;
    let blockNumber = BigInt(d.block_number);
    if (receipt.blockHash !== d.block_hash) {
      blockNumber = receipt.blockNumber;
      await db.query(
        "update chain_deposits set block_number = $2, block_hash = $3 where tx_hash = $1",
        [d.tx_hash, receipt.blockNumber, receipt.blockHash],
      );
    }
    const depth = head - blockNumber + 1n;
    if (depth < BigInt(needed)) continue;
    // Credited to the account whose wallet sent it (none yet: whoever links the wallet).
    const owner = await ownerOf(db, box, d.address);
    const credit = async (stage: "pending" | "final") => {
      await db.query(
        `update chain_deposits set stage = '${stage}', ${stage}_at = $2 where tx_hash = $1`,
        [d.tx_hash, now()],
      );
      bus.emit("deposit.credited", {
        handle: owner?.handle ?? null,
        xUserId: owner?.xUserId ?? null,
        address: d.address,
        amountWei,
        txHash: d.tx_hash,
        stage,
      });
    };
    if (d.stage === "seen") await credit("pending");
    if (blockNumber <= finalized) await credit("final");
  }
  return stuck;
}
