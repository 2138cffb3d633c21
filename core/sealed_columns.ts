/**
 * Sealed columns: what each plugin keeps sealed at rest (core/secret_box.ts), brought under
 * the current key. A plugin's `reseal(tx, box)` seals the plain values written before it
 * sealed them and re-seals those of a previous key; `resealAll` runs every plugin's in one
 * transaction, at the start (before any plugin starts) and for `main.ts rekey`, so a
 * rotation is all or nothing. A value that does not open (a key not given, altered, moved,
 * cut short) stops it with an error naming the table, the row and the key ids, and changes
 * nothing. A value that looks sealed but is not well formed is never taken for plain text.
 */
import type { Db, Queryable } from "./db.ts";
import { SEALED_PREFIX, type SecretBox, SecretBoxError } from "./secret_box.ts";

/** What one table's pass did: plain values sealed, values of a previous key re-sealed. */
export interface Resealed {
  table: string;
  sealed: number;
  resealed: number;
}

/** A plugin's pass over what it keeps sealed (its `reseal`). */
export type Reseal = (tx: Queryable, box: SecretBox) => Promise<Resealed[]>;

/** How a value that does not open is told: the table, the row, and the box's words (key ids). */
export function sealedValueError(table: string, row: string, error: unknown): SecretBoxError {
  const why = error instanceof Error ? error.message : String(error);
  return new SecretBoxError(`table ${table}, row ${row}: ${why}`);
}

/** `stored` opened in `context`; an error names the table and the row. */
export async function openSealed(
  box: SecretBox,
  stored: string,
  where: { table: string; row: string; context: string },
): Promise<string> {
  try {
    return await box.open(stored, where.context);
  } catch (error) {
    throw sealedValueError(where.table, where.row, error);
  }
}

export interface SealedColumn {
  table: string;
  column: string;
  /** The row's key column (text or number). */
  row: string;
  /** The additional data a value is sealed with: binds it to its row. */
  context(rowKey: string): string;
  /** A plain value from before sealing that may be sealed as it is (else: refused). */
  plain?(value: string): boolean;
}

/**
 * One column under the current key: each plain value sealed, each of a previous key
 * re-sealed; a row changes only if it still holds what was read.
 */
export async function resealColumn(
  tx: Queryable,
  box: SecretBox,
  c: SealedColumn,
): Promise<Resealed> {
  const done = { table: `${c.table}.${c.column}`, sealed: 0, resealed: 0 };
  const rows = await tx.query<{ row: string; value: string }>(
    `select ${c.row}::text as row, ${c.column} as value from ${c.table}
     where ${c.column} is not null`,
  );
  for (const r of rows) {
    const by = box.sealedWith(r.value);
    if (by === box.keyId) continue;
    const context = c.context(r.row);
    let plain: string;
    if (by === null) {
      if (r.value.startsWith(SEALED_PREFIX.slice(0, 4)) || !(c.plain?.(r.value) ?? true)) {
        throw sealedValueError(done.table, r.row, "neither a sealed value nor a plain one");
      }
      plain = r.value;
    } else plain = await openSealed(box, r.value, { table: done.table, row: r.row, context });
    await tx.query(
      `update ${c.table} set ${c.column} = $3 where ${c.row}::text = $1 and ${c.column} = $2`,
      [r.row, r.value, await box.seal(plain, context)],
    );
    done[by === null ? "sealed" : "resealed"]++;
  }
  return done;
}

/** Every pass, in one transaction: all under the current key, or nothing changed. */
export async function resealAll(
  db: Db,
  box: SecretBox,
  passes: Array<{ owner: string; reseal: Reseal }>,
): Promise<Array<Resealed & { owner: string }>> {
  return await db.transaction(async (tx) => {
    const out: Array<Resealed & { owner: string }> = [];
    for (const p of passes) {
      for (const r of await p.reseal(tx, box)) out.push({ owner: p.owner, ...r });
    }
    return out;
  });
}

/** `table.column: 2 sealed, 1 re-sealed`, one a table, for the log and the terminal. */
export function describeResealed(done: Resealed[]): string[] {
  return done.map((d) => `${d.table}: ${d.sealed} sealed from plain, ${d.resealed} re-sealed`);
}
