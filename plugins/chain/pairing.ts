/**
 * Which wallet belongs to which X account, sealed at rest (core/secret_box.ts, the engine's
 * key). A handle and its user id are public (X), a deposit's sender is public (the chain), the
 * pairing is not: every row that pairs an address with an account holds it sealed, bound to its
 * row (the additional data), so a value copied to another row does not open:
 * - `chain_wallets.address`: `chain_wallets.address:<mac>`, the row found by `address_mac`;
 * - `chain_links.address`: `chain_links.address:<x_user_id>`, one account a wallet through the
 *   unique `address_mac`;
 * - `chain_challenges.address`, `.message`, `.signature`: `chain_challenges.<column>:<nonce>`;
 * - `chain_link_audit.address`, `.previous_address`: `chain_link_audit.<column>:<id>`.
 * The mac (`walletMac`) is of the lower-case address, under its own purpose. The public facts
 * (deposits, movements, payouts) carry no mac: one equal to this one would let a leaked
 * database join each deposit's sender to its account, the very pairing sealed here. They are
 * found by the plain addresses an account's own wallets open to (accounts.ts).
 * `resealPairing` is the plugin's `reseal`: plain rows of before (no mac) sealed, rows of a
 * previous key opened, re-keyed and re-sealed, in the start's (or `rekey`'s) one transaction.
 */
import { getAddress } from "viem";
import type { Queryable } from "../../core/db.ts";
import {
  openSealed,
  resealColumn,
  type Resealed,
  sealedValueError,
} from "../../core/sealed_columns.ts";
import type { SecretBox } from "../../core/secret_box.ts";

const MAC_PURPOSE = "chain.wallet";
const PLAIN_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The keyed mac a wallet's rows are found by (the lower-case address). */
export const walletMac = (box: SecretBox, address: string) =>
  box.mac(address.toLowerCase(), MAC_PURPOSE);

export const walletContext = (mac: string) => `chain_wallets.address:${mac}`;
export const linkContext = (xUserId: string) => `chain_links.address:${xUserId}`;
export const challengeContext = (column: "address" | "message" | "signature", nonce: string) =>
  `chain_challenges.${column}:${nonce}`;
export const auditContext = (column: "address" | "previous_address", id: string) =>
  `chain_link_audit.${column}:${id}`;

/** A sealed address opened and checked (checksummed); an error names the table and the row. */
export async function openAddress(
  box: SecretBox,
  stored: string,
  where: { table: string; row: string; context: string },
): Promise<string> {
  const plain = await openSealed(box, stored, where);
  if (!PLAIN_ADDRESS.test(plain)) {
    throw sealedValueError(where.table, where.row, "the value opened is not an address");
  }
  return getAddress(plain);
}

/** A wallet's address sealed for its row, with the mac it is found by. */
export async function sealWallet(box: SecretBox, address: string) {
  const mac = await walletMac(box, address);
  return { mac, sealed: await box.seal(getAddress(address), walletContext(mac)) };
}

export const openWallet = (box: SecretBox, mac: string, sealed: string) =>
  openAddress(box, sealed, { table: "chain_wallets", row: mac, context: walletContext(mac) });

export const openLink = (box: SecretBox, xUserId: string, sealed: string) =>
  openAddress(box, sealed, { table: "chain_links", row: xUserId, context: linkContext(xUserId) });

interface MacSealed {
  table: "chain_wallets" | "chain_links";
  /** The row's name and its value's context, from its account and its (current) mac. */
  row(r: { xUserId: string; mac: string }): string;
  context(row: string): string;
}

const MAC_SEALED: MacSealed[] = [
  { table: "chain_wallets", row: (r) => r.mac, context: walletContext },
  { table: "chain_links", row: (r) => r.xUserId, context: linkContext },
];

/** One table whose address is sealed beside its mac: each row under the current key. */
async function resealMacSealed(tx: Queryable, box: SecretBox, t: MacSealed): Promise<Resealed> {
  const done = { table: `${t.table}.address`, sealed: 0, resealed: 0 };
  const rows = await tx.query<{ x_user_id: string; address: string; address_mac: string | null }>(
    `select x_user_id, address, address_mac from ${t.table}`,
  );
  for (const r of rows) {
    const by = box.sealedWith(r.address);
    if (by === box.keyId && r.address_mac !== null) continue;
    const old = r.address_mac === null
      ? `(plain) of account ${r.x_user_id}`
      : t.row({ xUserId: r.x_user_id, mac: r.address_mac });
    let plain: string;
    if (by === null) {
      // A plain row of before has no mac yet; plain text in a sealed row was put there.
      if (r.address_mac !== null || !PLAIN_ADDRESS.test(r.address)) {
        throw sealedValueError(done.table, old, "neither a sealed value nor a plain one");
      }
      plain = getAddress(r.address);
    } else {
      if (r.address_mac === null) {
        throw sealedValueError(done.table, old, "a sealed value without its mac");
      }
      plain = await openAddress(box, r.address, {
        table: done.table,
        row: old,
        context: t.context(old),
      });
    }
    const mac = await walletMac(box, plain);
    const sealed = await box.seal(plain, t.context(t.row({ xUserId: r.x_user_id, mac })));
    // This row only (a value copied into another row is that row's to refuse).
    await tx.query(
      `update ${t.table} set address = $2, address_mac = $3
       where x_user_id = $4 and address = $1 and address_mac is not distinct from $5`,
      [r.address, sealed, mac, r.x_user_id, r.address_mac],
    );
    done[by === null ? "sealed" : "resealed"]++;
  }
  return done;
}

/** Every sealed value of the pairing under the current key, every mac re-keyed. */
export async function resealPairing(tx: Queryable, box: SecretBox): Promise<Resealed[]> {
  const done: Resealed[] = [];
  for (const t of MAC_SEALED) done.push(await resealMacSealed(tx, box, t));
  const hex = (v: string) => /^0x[0-9a-fA-F]*$/.test(v);
  for (const column of ["address", "message", "signature"] as const) {
    done.push(
      await resealColumn(tx, box, {
        table: "chain_challenges",
        column,
        row: "nonce",
        context: (nonce) => challengeContext(column, nonce),
        plain: column === "message" ? undefined : hex,
      }),
    );
  }
  for (const column of ["address", "previous_address"] as const) {
    done.push(
      await resealColumn(tx, box, {
        table: "chain_link_audit",
        column,
        row: "id",
        context: (id) => auditContext(column, id),
        plain: (v) => PLAIN_ADDRESS.test(v),
      }),
    );
  }
  return done;
}
