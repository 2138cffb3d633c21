/**
 * X accounts and their wallets: escrow belongs to the X user id, never to the
 * handle text (X frees handles and gives them to other accounts).
 *
 * An account has one link (`chain_links`: its current wallet, and the handle it
 * was last seen as) and keeps every wallet it has linked (`chain_wallets`). A
 * wallet belongs to one account for good, so every deposit has one owner: the
 * account of the wallet that sent it. An account's escrow is the sum over its
 * wallets; a price or a hold is taken from its oldest wallets first, and a
 * refund pays each wallet what is left of its own deposits, to its own address.
 */
import { getAddress } from "viem";
import type { Queryable } from "../../core/db.ts";

/** What these read and write through: the database or a transaction. */
export type Q = Pick<Queryable, "query">;

/** An X user id. (The auction's bidder id is the lower-case handle when its source gave none.) */
export const isAccountId = (id: string | null | undefined): id is string =>
  typeof id === "string" && /^[0-9]{1,20}$/.test(id);

/** `@Name` → `@name`; the key handles are compared by. */
export function handleKey(handle: string): string {
  const h = handle.trim().toLowerCase();
  return h.startsWith("@") ? h : `@${h}`;
}

export interface Link {
  xUserId: string;
  /** The handle the account was last seen as (it may belong to another account by now). */
  handle: string;
  /** The account's current wallet (checksummed). */
  address: string;
}

/** No user id: absent, or the auction's stand-in for one (the lower-case `@handle`). */
const noAccountId = (id: string | null | undefined) => !id || id.startsWith("@");

/**
 * The link of the account a bidder is: `xUserId`'s when the source gave one (whatever the
 * handle), else the link made last under the handle (sources that cannot tell). An id that
 * is neither is nobody's.
 */
export async function linkOf(
  q: Q,
  handle: string,
  xUserId?: string | null,
): Promise<Link | null> {
  if (!noAccountId(xUserId) && !isAccountId(xUserId)) return null;
  const [row] = isAccountId(xUserId)
    ? await q.query<{ x_user_id: string; handle: string; address: string }>(
      "select x_user_id, handle, address from chain_links where x_user_id = $1",
      [xUserId],
    )
    : await q.query<{ x_user_id: string; handle: string; address: string }>(
      `select x_user_id, handle, address from chain_links where handle_key = $1
       order by linked_at desc limit 1`,
      [handleKey(handle)],
    );
  return row ? { xUserId: row.x_user_id, handle: row.handle, address: row.address } : null;
}

export interface WalletBalance {
  address: string;
  /** Credited deposits − debits − refunds of this wallet. */
  wei: bigint;
}

/** Every wallet of the account with its credited balance, oldest link first (current last). */
export async function walletsOf(q: Q, xUserId: string): Promise<WalletBalance[]> {
  const rows = await q.query<{ address: string; credited: string | null; spent: string | null }>(
    `select w.address,
       (select sum(amount_wei) from chain_deposits d
         where lower(d.address) = lower(w.address) and d.stage in ('pending', 'final')) as credited,
       (select sum(amount_wei) from chain_movements m
         where lower(m.address) = lower(w.address)) as spent
     from chain_wallets w where w.x_user_id = $1 order by w.linked_at, w.address`,
    [xUserId],
  );
  return rows.map((r) => ({
    address: getAddress(r.address),
    wei: BigInt(r.credited ?? "0") - BigInt(r.spent ?? "0"),
  }));
}

export const total = (wallets: WalletBalance[]) => wallets.reduce((sum, w) => sum + w.wei, 0n);

/** Who a wallet belongs to: its account, and the handle that account was last seen as. */
export async function ownerOf(
  q: Q,
  address: string,
): Promise<{ xUserId: string; handle: string } | null> {
  const [row] = await q.query<{ x_user_id: string; handle: string }>(
    `select w.x_user_id, l.handle from chain_wallets w join chain_links l using (x_user_id)
     where lower(w.address) = lower($1)`,
    [address],
  );
  return row ? { xUserId: row.x_user_id, handle: row.handle } : null;
}

/** `amount` taken from the wallets in their order, each up to its balance: what each gives. */
export function takeInOrder(wallets: WalletBalance[], amount: bigint): Map<string, bigint> {
  const parts = new Map<string, bigint>();
  let left = amount;
  for (const w of wallets) {
    if (left <= 0n) break;
    const part = w.wei < left ? w.wei : left;
    if (part <= 0n) continue;
    parts.set(w.address, part);
    left -= part;
  }
  return parts;
}
