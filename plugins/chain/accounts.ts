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
 * Addresses in `chain_links` and `chain_wallets` are sealed (pairing.ts): they are opened
 * here, and a wallet's row is found by its mac, never by scanning.
 */
import type { Queryable } from "../../core/db.ts";
import type { SecretBox } from "../../core/secret_box.ts";
import { openLink, openWallet, walletMac } from "./pairing.ts";

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
  /** The account's current wallet (checksummed), opened from its sealed row. */
  address: string;
}

/** No user id: absent, or the auction's stand-in for one (the lower-case `@handle`). */
const noAccountId = (id: string | null | undefined) => !id || id.startsWith("@");

interface LinkRow {
  x_user_id: string;
  handle: string;
  address: string;
  wallets?: WalletRow[] | string | null;
}

interface WalletRow {
  mac: string;
  address: string;
  at: string | Date;
}

/** The wallets of the link's account, sealed, beside the link (one statement). */
const WALLETS_OF_LINK =
  `, (select json_agg(json_build_object('mac', w.address_mac, 'address', w.address,
    'at', w.linked_at)) from chain_wallets w where w.x_user_id = l.x_user_id) as wallets`;

async function linkRow(
  q: Q,
  handle: string,
  xUserId: string | null | undefined,
  withWallets: boolean,
): Promise<LinkRow | null> {
  if (!noAccountId(xUserId) && !isAccountId(xUserId)) return null;
  const wallets = withWallets ? WALLETS_OF_LINK : "";
  const [row] = isAccountId(xUserId)
    ? await q.query<LinkRow>(
      `select l.x_user_id, l.handle, l.address${wallets} from chain_links l where l.x_user_id = $1`,
      [xUserId],
    )
    : await q.query<LinkRow>(
      `select l.x_user_id, l.handle, l.address${wallets} from chain_links l where l.handle_key = $1
       order by l.linked_at desc limit 1`,
      [handleKey(handle)],
    );
  return row ?? null;
}

const linkFrom = async (box: SecretBox, row: LinkRow): Promise<Link> => ({
  xUserId: row.x_user_id,
  handle: row.handle,
  address: await openLink(box, row.x_user_id, row.address),
});

/** The account a bidder is (as `linkOf`) without opening its wallet: who, not which wallet. */
export async function linkedAccount(
  q: Q,
  handle: string,
  xUserId?: string | null,
): Promise<{ xUserId: string; handle: string } | null> {
  const row = await linkRow(q, handle, xUserId, false);
  return row ? { xUserId: row.x_user_id, handle: row.handle } : null;
}

/**
 * The link of the account a bidder is: `xUserId`'s when the source gave one (whatever the
 * handle), else the link made last under the handle (sources that cannot tell). An id that
 * is neither is nobody's.
 */
export async function linkOf(
  q: Q,
  box: SecretBox,
  handle: string,
  xUserId?: string | null,
): Promise<Link | null> {
  const row = await linkRow(q, handle, xUserId, false);
  return row ? await linkFrom(box, row) : null;
}

export interface WalletBalance {
  address: string;
  /** Credited deposits − debits − refunds of this wallet. */
  wei: bigint;
}

/** The account's wallets opened, oldest link first (current last). */
async function openWallets(box: SecretBox, rows: WalletRow[]): Promise<string[]> {
  const wallets = await Promise.all(
    rows.map(async (w) => ({
      address: await openWallet(box, w.mac, w.address),
      at: new Date(w.at).getTime(),
    })),
  );
  wallets.sort((a, b) =>
    a.at - b.at || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
  );
  return wallets.map((w) => w.address);
}

/** Each wallet's credited balance, in one statement (none for no wallet). */
export async function balancesOf(q: Q, wallets: string[]): Promise<WalletBalance[]> {
  if (wallets.length === 0) return [];
  // The public ledger is found by the plain addresses: it carries no mac to join the pairing by.
  const sums = await q.query<{ address: string; credited: string | null; spent: string | null }>(
    `select a.address,
       (select sum(amount_wei) from chain_deposits d
         where lower(d.address) = a.address and d.stage in ('pending', 'final')) as credited,
       (select sum(amount_wei) from chain_movements m where lower(m.address) = a.address) as spent
     from unnest($1::text[]) as a(address)`,
    [wallets.map((w) => w.toLowerCase())],
  );
  const by = new Map(
    sums.map((s) => [s.address, BigInt(s.credited ?? "0") - BigInt(s.spent ?? "0")]),
  );
  return wallets.map((address) => ({ address, wei: by.get(address.toLowerCase()) ?? 0n }));
}

const walletRows = (row: LinkRow): WalletRow[] =>
  (typeof row.wallets === "string" ? JSON.parse(row.wallets) : row.wallets) ?? [];

/**
 * The link of the account a bidder is (as `linkOf`) with every wallet of that account, oldest
 * link first, in one statement; `balancesOf` gives their balances.
 */
export async function accountOf(
  q: Q,
  box: SecretBox,
  handle: string,
  xUserId?: string | null,
): Promise<(Link & { wallets: string[] }) | null> {
  const row = await linkRow(q, handle, xUserId, true);
  if (!row) return null;
  return { ...(await linkFrom(box, row)), wallets: await openWallets(box, walletRows(row)) };
}

/** Every wallet of the account with its credited balance, oldest link first (current last). */
export async function walletsOf(q: Q, box: SecretBox, xUserId: string): Promise<WalletBalance[]> {
  const rows = await q.query<WalletRow>(
    "select address_mac as mac, address, linked_at as at from chain_wallets where x_user_id = $1",
    [xUserId],
  );
  return await balancesOf(q, await openWallets(box, rows));
}

export const total = (wallets: WalletBalance[]) => wallets.reduce((sum, w) => sum + w.wei, 0n);

/** Who a wallet belongs to: its account, and the handle that account was last seen as. */
export async function ownerOf(
  q: Q,
  box: SecretBox,
  address: string,
): Promise<{ xUserId: string; handle: string } | null> {
  const [row] = await q.query<{ x_user_id: string; handle: string }>(
    `select w.x_user_id, l.handle from chain_wallets w join chain_links l using (x_user_id)
     where w.address_mac = $1`,
    [await walletMac(box, address)],
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
