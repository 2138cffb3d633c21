/**
 * Keeping escrow for the next auction instead of a refund: the only file that
 * writes `chain_account_keep` (settlement's ledger reads it). Keyed by X
 * account, never by handle text. A `keep` / `refund` tweet is always answered
 * with `funds.kept`, saying whether it was done.
 */
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import { linkedAccount } from "./accounts.ts";

export async function keepFunds(
  db: Db,
  clock: Clock,
  request: { handle: string; keep: boolean; xUserId?: string },
): Promise<void> {
  const link = await linkedAccount(db, request.handle, request.xUserId);
  if (!link) throw new Error(`${request.handle} has no linked wallet`);
  await db.query(
    `insert into chain_account_keep (x_user_id, keep, at) values ($1, $2, $3)
     on conflict (x_user_id) do update set keep = $2, at = $3`,
    [link.xUserId, request.keep, new Date(clock.instant().epochMilliseconds)],
  );
}

/** Answers a `funds.keep-requested` (the x plugin's, from a `keep` / `refund` tweet). */
export async function answerKeepRequest(
  deps: { db: Db; clock: Clock; bus: Bus },
  request: { tweetId: string; handle: string; keep: boolean; authorId?: string },
): Promise<void> {
  const { tweetId, handle, keep, authorId } = request;
  try {
    await keepFunds(deps.db, deps.clock, { handle, keep, xUserId: authorId });
    deps.bus.emit("funds.kept", {
      tweetId,
      handle,
      keep,
      ok: true,
      message: keep
        ? "your unspent escrow stays for the next auction. Tweet refund to undo."
        : "your unspent escrow will be refunded after each auction.",
    });
  } catch (error) {
    deps.bus.emit("funds.kept", {
      tweetId,
      handle,
      keep,
      ok: false,
      message: `not done: ${(error as Error).message}.`,
    });
  }
}
