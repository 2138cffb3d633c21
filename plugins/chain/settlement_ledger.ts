/**
 * Settlement's ledger, by X account (accounts.ts): the winner's price debited
 * from its wallets, and every bidding account's remaining escrow planned as
 * refunds, less what backs its lead in another auction still running or its
 * win in another closed auction not yet debited (two lots closing together must
 * not refund one's price before its own settlement takes it). A price
 * or a hold is taken from an account's oldest wallets first, so what comes back
 * goes to the wallet it uses now; each wallet gets back only what is left of its
 * own deposits, to its own address.
 */
import { getAddress } from "viem";
import type { SecretBox } from "../../core/secret_box.ts";
import { type Q, takeInOrder, total, walletsOf } from "./accounts.ts";

export interface SettlementParties {
  auction_id: string;
  winner_id: string | null;
  /** The winning account's current wallet when the auction closed (the NFT's recipient). */
  winner_address: string | null;
  price_wei: string | null;
}

/** The winning account's escrow, over all of its wallets. */
export async function winnerBalance(q: Q, box: SecretBox, s: SettlementParties): Promise<bigint> {
  return s.winner_id ? total(await walletsOf(q, box, s.winner_id)) : 0n;
}

/** Debits the price from the winner's wallets, oldest first (what they lack: its current one). */
export async function debitWinner(
  q: Q,
  box: SecretBox,
  s: SettlementParties,
  at: Date,
): Promise<void> {
  if (!s.winner_id || !s.winner_address || !s.price_wei) return;
  const price = BigInt(s.price_wei);
  const parts = takeInOrder(await walletsOf(q, box, s.winner_id), price);
  const short = price - [...parts.values()].reduce((sum, wei) => sum + wei, 0n);
  const current = getAddress(s.winner_address);
  if (short > 0n) parts.set(current, (parts.get(current) ?? 0n) + short);
  for (const [address, wei] of parts) {
    await q.query(
      `insert into chain_movements (address, kind, amount_wei, auction_id, at)
       values ($1, 'debit', $2, $3, $4) on conflict do nothing`,
      [address, wei, s.auction_id, at],
    );
  }
}

/**
 * Settlement states in which a won auction's price is still in the winner's
 * balance: another settlement must not refund it (`failed` waits for the admin).
 */
const UNDEBITED = "('planned', 'nft-sent', 'nft-confirmed', 'failed')";

/** Plans the refund of every bidding account (and the winner) that did not ask to keep it. */
export async function planRefunds(
  q: Q,
  box: SecretBox,
  s: SettlementParties,
  at: Date,
): Promise<void> {
  const accounts = await q.query<{ x_user_id: string }>(
    `select b.x_user_id from (
       select x_user_id from chain_auction_bids where auction_id = $1
       union select $2::text where $2::text is not null
     ) b
     left join chain_account_keep k using (x_user_id)
     where not coalesce(k.keep, false)`,
    [s.auction_id, s.winner_id],
  );
  const refunds: Array<[string, bigint]> = [];
  for (const { x_user_id } of accounts) {
    const [held] = await q.query<{ wei: string | null }>(
      `select sum(l.leader_wei) as wei from chain_auction_leaders l
       left join chain_settlements s using (auction_id)
       where l.auction_id <> $1 and l.leader_id = $2 and (
         l.status in ('open', 'paused')
         or (l.status = 'closed' and (s.auction_id is null
           or (s.winner_handle is not null and s.state in ${UNDEBITED}))))`,
      [s.auction_id, x_user_id],
    );
    const wallets = await walletsOf(q, box, x_user_id);
    const holds = takeInOrder(wallets, BigInt(held?.wei ?? "0"));
    for (const w of wallets) {
      const wei = w.wei - (holds.get(w.address) ?? 0n);
      if (wei > 0n) refunds.push([w.address, wei]);
    }
  }
  for (const [address, wei] of refunds.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await q.query(
      `insert into chain_movements (address, kind, amount_wei, auction_id, at)
       values ($1, 'refund', $2, $3, $4)`,
      [address, wei, s.auction_id, at],
    );
    await q.query(
      `insert into chain_payouts (auction_id, kind, address, amount_wei, state, updated_at)
       values ($1, 'refund', $2, $3, 'planned', $4)`,
      [s.auction_id, address, wei, at],
    );
  }
}
