/**
 * A closed auction's settlement plan, written once in one transaction: the
 * `chain_settlements` row (the winning account, its current wallet, the price,
 * the lot) and the NFT payout. A winner without a linked wallet, or a lot with
 * no known token, is planned `failed` with why, so nothing is paid.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { SecretBox } from "../../core/secret_box.ts";
import { bidderAccount } from "./auction_bidders.ts";
import { openLink } from "./pairing.ts";
import { lotOfAuction } from "./lots.ts";

export interface ClosedAuction {
  auctionId: string;
  /** `bidderId`: the winner's X user id (the lower-case handle when the source gave none). */
  winner: { handle: string; amountWei: bigint; tweetId?: string; bidderId?: string } | null;
}

export async function planSettlement(
  db: Db,
  box: SecretBox,
  clock: Clock,
  closed: ClosedAuction,
): Promise<void> {
  const now = new Date(clock.instant().epochMilliseconds);
  await db.transaction(async (tx) => {
    const exists = await tx.query("select 1 from chain_settlements where auction_id = $1", [
      closed.auctionId,
    ]);
    if (exists.length) return;
    const lot = await lotOfAuction(tx, closed.auctionId);
    const winnerId = closed.winner
      ? await bidderAccount(tx, closed.auctionId, closed.winner)
      : null;
    const [link] = winnerId
      ? await tx.query<{ address: string }>(
        "select address from chain_links where x_user_id = $1",
        [winnerId],
      )
      : [];
    // Plain in chain_settlements and chain_payouts: the NFT goes on chain to it (README).
    const winnerAddress = link && winnerId ? await openLink(box, winnerId, link.address) : null;
    let state = "planned";
    let error: string | null = null;
    if (closed.winner && !winnerAddress) {
      state = "failed";
      error = `the winner ${closed.winner.handle} has no linked wallet`;
    } else if (closed.winner && !lot) {
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
        lot?.contract ?? null,
        lot?.tokenId ?? null,
        error,
        now,
      ],
    );
    if (state === "planned" && closed.winner && winnerAddress) {
      await tx.query(
        `insert into chain_payouts (auction_id, kind, address, amount_wei, state, updated_at)
         values ($1, 'nft', $2, 0, 'planned', $3) on conflict do nothing`,
        [closed.auctionId, winnerAddress, now],
      );
    }
  });
}
