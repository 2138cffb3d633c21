/**
 * funds-book: a `funds` provider kept in Postgres by hand. An admin (or a
 * rehearsal scenario) links wallets and enters deposits, refunds and debits;
 * the auction asks it who is linked and how much escrow they hold. Balances
 * are cached in memory (this plugin is the only writer) and rebuilt on start.
 *
 * A link belongs to one X account (user id): given when linked, or bound by the
 * first bid that uses the handle. Another account under the same handle (a
 * handle that changed owner) finds no link and so no escrow.
 *
 * The address is sealed at rest (core/secret_box.ts, the engine's key), bound to its row
 * (`funds_book_wallets.address:<handle>`): the book pairs a wallet with an account, which is
 * not public. Nothing finds a row by address, so no mac is kept (it would only be a join key).
 * A plain address (rows of before, or one entered by hand in SQL) is sealed by the start's
 * `reseal` (`resealBook`), before the book loads; rotation re-seals the same way.
 */
import { z } from "zod";
import type { Queryable } from "../../core/db.ts";
import { definePlugin } from "../../core/plugin.ts";
import { openSealed, resealColumn, type Resealed } from "../../core/sealed_columns.ts";
import type { SecretBox } from "../../core/secret_box.ts";
// The services' interfaces are the auction's (it needs them); this plugin implements them.
import type { EntryKind, FundsBook } from "../auction/mod.ts";

export type { EntryKind, FundsBook };

const key = (handle: string) => (handle.startsWith("@") ? handle : `@${handle}`).toLowerCase();

const TABLE = "funds_book_wallets";
const PLAIN_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const addressContext = (handle: string) => `${TABLE}.address:${handle}`;

/** The book's `reseal`: every address sealed under the current key. */
export async function resealBook(tx: Queryable, box: SecretBox): Promise<Resealed[]> {
  return [
    await resealColumn(tx, box, {
      table: TABLE,
      column: "address",
      row: "handle",
      context: addressContext,
      plain: (v) => PLAIN_ADDRESS.test(v),
    }),
  ];
}

/** A row's address opened (the start's `reseal` has sealed every plain one before this loads). */
const addressOf = (box: SecretBox, handle: string, stored: string) =>
  openSealed(box, stored, { table: TABLE, row: handle, context: addressContext(handle) });

export default definePlugin({
  name: "funds-book",
  config: z.object({}).default({}),
  provides: ["funds", "funds-book"],
  migrations: new URL("./migrations/", import.meta.url),
  reseal: resealBook,
  standIn: { for: "escrow on chain", replacedBy: ["RPC_URLS"] },
  async setup({ db, provide, clock, secrets: box }) {
    const wallets = new Map<string, { address: string; xUserId: string | null }>();
    const balances = new Map<string, bigint>();
    for (
      const r of await db.query<{ handle: string; address: string; x_user_id: string | null }>(
        "select handle, address, x_user_id from funds_book_wallets",
      )
    ) {
      wallets.set(r.handle, {
        address: await addressOf(box, r.handle, r.address),
        xUserId: r.x_user_id,
      });
    }

    /** The link of `handle` if it is `xUserId`'s (binding an unbound link to it). */
    const linkOf = async (handle: string, xUserId?: string) => {
      const w = wallets.get(key(handle));
      if (!w || !xUserId) return w ?? null;
      if (w.xUserId === null) {
        await db.query(
          "update funds_book_wallets set x_user_id = $2 where handle = $1 and x_user_id is null",
          [key(handle), xUserId],
        );
        w.xUserId = xUserId;
      }
      return w.xUserId === xUserId ? w : null;
    };
    for (
      const r of await db.query<{ handle: string; balance: string }>(
        `select handle, sum(case kind when 'deposit' then amount_wei else -amount_wei end) as balance
       from funds_book_entries group by handle`,
      )
    ) balances.set(r.handle, BigInt(r.balance));

    const book: FundsBook = {
      walletOf: async (handle, xUserId) => (await linkOf(handle, xUserId))?.address ?? null,
      balanceOf: async (handle, xUserId) =>
        (await linkOf(handle, xUserId)) ? balances.get(key(handle)) ?? 0n : 0n,
      async link(handle, address, xUserId) {
        if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`not an address: ${address}`);
        await db.query(
          `insert into funds_book_wallets (handle, address, linked_at, x_user_id)
           values ($1, $2, $3, $4)
           on conflict (handle) do update set address = excluded.address,
             linked_at = excluded.linked_at, x_user_id = excluded.x_user_id`,
          [
            key(handle),
            await box.seal(address, addressContext(key(handle))),
            clock.instant(),
            xUserId ?? null,
          ],
        );
        wallets.set(key(handle), { address, xUserId: xUserId ?? null });
      },
      async enter(handle, kind, amountWei, note = "") {
        if (amountWei <= 0n) throw new Error("an entry must be more than zero");
        await db.query(
          `insert into funds_book_entries (handle, kind, amount_wei, note, at)
           values ($1, $2, $3, $4, $5)`,
          [key(handle), kind, amountWei, note, clock.instant()],
        );
        const next = (balances.get(key(handle)) ?? 0n) +
          (kind === "deposit" ? amountWei : -amountWei);
        balances.set(key(handle), next);
        return next;
      },
    };
    provide("funds", book);
    provide("funds-book", book);
  },
});
