/**
 * The steps of one settlement, each taking the state it starts from and
 * returning the state it leaves (written to `chain_settlements`, the only
 * writer of its `state`):
 *
 *   planned → nft-confirmed → debited → refunding → settled | claims-open
 *
 * A step's database change and its new state commit together; a payment goes
 * through `Payments` (signed and stored before broadcast), so running a step
 * again after a crash repeats nothing that was done.
 */
import type { SecretBox } from "../../core/secret_box.ts";
import { encodeFunctionData, getAddress, type PublicClient } from "viem";
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db, Queryable } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { erc721Abi } from "./custody.ts";
import { type Payments, type PayoutRow, SettlementStopped } from "./settlement_payments.ts";
import { debitWinner, planRefunds, winnerBalance } from "./settlement_ledger.ts";

export interface SettlementRow {
  auction_id: string;
  state: string;
  winner_handle: string | null;
  winner_id: string | null;
  winner_address: string | null;
  price_wei: string | null;
  nft_contract: string | null;
  token_id: string | null;
}

export interface StepDeps {
  db: Db;
  client: PublicClient;
  bus: Bus;
  clock: Clock;
  log: Log;
  box: SecretBox;
  payments: Payments;
}

const now = (clock: Clock) => new Date(clock.instant().epochMilliseconds);

export function setState(
  q: Queryable,
  clock: Clock,
  auctionId: string,
  state: string,
  error: string | null = null,
) {
  return q.query(
    "update chain_settlements set state = $2, error = $3, updated_at = $4 where auction_id = $1",
    [auctionId, state, error, now(clock)],
  );
}

export async function announceSettled(d: StepDeps, auctionId: string, winner: string | null) {
  const [nft] = await d.db.query<{ tx_hash: string | null }>(
    "select tx_hash from chain_payouts where auction_id = $1 and kind = 'nft'",
    [auctionId],
  );
  d.bus.emit("auction.settled", { auctionId, winner, txHash: nft?.tx_hash ?? null });
}

const ownerOf = async (client: PublicClient, contract: `0x${string}`, tokenId: bigint) =>
  getAddress(
    await client.readContract({
      address: contract,
      abi: erc721Abi,
      functionName: "ownerOf",
      args: [tokenId],
    }),
  );

/** planned → nft-confirmed: the token to the winner's wallet, ownership checked; or failed. */
export async function transferNft(d: StepDeps, s: SettlementRow): Promise<string> {
  const fail = async (why: string) => {
    await setState(d.db, d.clock, s.auction_id, "failed", why);
    return "failed";
  };
  if (!s.winner_address) {
    await setState(d.db, d.clock, s.auction_id, "nft-confirmed"); // no winner: nothing to move
    return "nft-confirmed";
  }
  const [nft] = await d.db.query<PayoutRow>(
    "select * from chain_payouts where auction_id = $1 and kind = 'nft'",
    [s.auction_id],
  );
  if (!nft.raw_tx) {
    // Never hand over the token unpaid (e.g. a deposit reversed by a reorg after the bid).
    const balance = await winnerBalance(d.db, d.box, s);
    if (balance < BigInt(s.price_wei ?? "0")) {
      return await fail(
        `the winner's credited balance ${balance} wei is below the price ${s.price_wei} wei`,
      );
    }
  }
  const contract = getAddress(s.nft_contract!);
  const tokenId = BigInt(s.token_id!);
  const winner = getAddress(s.winner_address);
  // Signed already: the stored bytes name the owner as it was then.
  const from = nft.raw_tx ? d.payments.escrow : await ownerOf(d.client, contract, tokenId);
  const done = await d.payments.pay(nft, {
    to: contract,
    value: 0n,
    data: encodeFunctionData({
      abi: erc721Abi,
      functionName: "safeTransferFrom",
      args: [from, winner, tokenId],
    }),
  });
  if (done.state !== "confirmed") return await fail(`NFT transfer failed: ${done.error}`);
  const owner = await ownerOf(d.client, contract, tokenId);
  if (owner !== winner) return await fail(`after transfer the token is owned by ${owner}`);
  await setState(d.db, d.clock, s.auction_id, "nft-confirmed");
  return "nft-confirmed";
}

/** nft-confirmed → debited → refunding: the price taken, the refunds planned. */
export async function debitAndPlanRefunds(d: StepDeps, s: SettlementRow, state: string) {
  if (state === "nft-confirmed") {
    await d.db.transaction(async (tx) => {
      await debitWinner(tx, d.box, s, now(d.clock));
      await setState(tx, d.clock, s.auction_id, "debited");
    });
    state = "debited";
  }
  if (state === "debited") {
    await d.db.transaction(async (tx) => {
      await planRefunds(tx, d.box, s, now(d.clock));
      await setState(tx, d.clock, s.auction_id, "refunding");
    });
    state = "refunding";
  }
  return state;
}

/** refunding | claims-open → settled | claims-open: every refund paid or made a claim. */
export async function payRefunds(d: StepDeps, s: SettlementRow, state: string): Promise<string> {
  const auctionId = s.auction_id;
  const refunds = await d.db.query<PayoutRow>(
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
      done = await d.payments.pay(r, { to: getAddress(r.address), value: BigInt(r.amount_wei) });
    } catch (error) {
      if (error instanceof SettlementStopped) throw error;
      await d.payments.note(r.id, (error as Error).message.split("\n")[0]);
      throw error;
    }
    if (done.state === "failed") {
      failed++;
      d.log.warn("refund failed; it is now a claim", {
        auctionId,
        address: r.address,
        error: done.error,
      });
    }
  }
  const next = failed ? "claims-open" : "settled";
  await setState(d.db, d.clock, auctionId, next);
  if (state === "refunding") {
    await announceSettled(d, auctionId, s.winner_handle);
    d.log.info("auction settled", { auctionId, state: next, claims: failed });
  }
  return next;
}
