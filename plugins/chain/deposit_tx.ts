/**
 * A bid naming its deposit transaction: the transaction must be a mined transfer
 * to escrow, sent from a wallet the bidder's X account linked, of at least the
 * bid, and not reversed. A chain that cannot be read is FundsUnavailableError
 * (the bid waits), never a refusal.
 */
import { getAddress, type Hash } from "viem";
import type { Db } from "../../core/db.ts";
import type { SecretBox } from "../../core/secret_box.ts";
import { FundsUnavailableError } from "../auction/mod.ts";
import { accountOf } from "./accounts.ts";
import type { DepositScanner } from "./deposits.ts";

export type DepositTxCheck =
  | { ok: true; amountWei: bigint; stage: string }
  | {
    ok: false;
    reason:
      | "not-found"
      | "not-linked"
      | "wrong-sender"
      | "not-to-escrow"
      | "too-small"
      | "reversed";
    message: string;
  };

export async function verifyDepositTx(
  db: Db,
  box: SecretBox,
  scanner: DepositScanner,
  bid: { handle: string; txHash: string; minWei: bigint; xUserId?: string },
): Promise<DepositTxCheck> {
  const { handle, txHash, minWei } = bid;
  const account = await accountOf(db, box, handle, bid.xUserId);
  if (!account) {
    return { ok: false, reason: "not-linked", message: `${handle} has no linked wallet` };
  }
  const { wallets } = account;
  if (!/^0x[0-9a-fA-F]{64}$/.test(txHash)) {
    return { ok: false, reason: "not-found", message: "not a transaction hash" };
  }
  let tracked;
  try {
    tracked = await scanner.track(txHash as Hash);
    await scanner.sync();
  } catch (error) {
    throw new FundsUnavailableError(
      `the chain cannot be read now: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (!tracked) {
    return {
      ok: false,
      reason: "not-to-escrow",
      message: "no mined transfer to the escrow with this hash",
    };
  }
  if (!wallets.includes(getAddress(tracked.address))) {
    return {
      ok: false,
      reason: "wrong-sender",
      message: `sent from ${tracked.address}, not from a wallet ${handle} linked`,
    };
  }
  if (tracked.amountWei < minWei) {
    return { ok: false, reason: "too-small", message: `it sent ${tracked.amountWei} wei` };
  }
  const [row] = await db.query<{ stage: string }>(
    "select stage from chain_deposits where tx_hash = $1",
    [txHash],
  );
  if (row.stage === "reversed" || row.stage === "dropped" || row.stage === "failed") {
    return { ok: false, reason: "reversed", message: `this deposit was ${row.stage}` };
  }
  return { ok: true, amountWei: tracked.amountWei, stage: row.stage };
}
