/**
 * Who asked to be reminded before an auction opens (`remind` / `stop` tweets): the only file that
 * reads or writes `x_reminders`. One row a handle (lower-cased), the latest tweet winning.
 * Sealed at rest (core/secret_box.ts, the engine's key): a row is keyed by a mac of the handle
 * (`mac`, so the upsert finds it without storing it), and holds the handle, the account id and
 * whether it is on sealed together with that mac as additional data, so a sealed value copied to
 * another row does not open. Rotation (`resealReminders`, the plugin's `reseal`) re-keys the mac
 * and re-seals in one pass; plain rows of before (`x_reminders_plain`) are sealed and removed.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db, Queryable } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { openSealed, type Resealed, sealedValueError } from "../../core/sealed_columns.ts";
import type { SecretBox } from "../../core/secret_box.ts";

export interface Reminders {
  /** Turns a handle's reminders on or off. */
  set(handle: string, authorId: string, active: boolean): Promise<void>;
  /** The handles to remind, in order. */
  active(): Promise<string[]>;
}

interface Reminder {
  handle: string;
  authorId: string;
  active: boolean;
}

const TABLE = "x_reminders";
const MAC_PURPOSE = "x_reminders.handle";
const contextOf = (mac: string) => `${TABLE}:${mac}`;

const sealReminder = async (box: SecretBox, r: Reminder) => {
  const mac = await box.mac(r.handle, MAC_PURPOSE);
  return { mac, sealed: await box.seal(JSON.stringify(r), contextOf(mac)) };
};

/** A row opened and checked; an error names the table and the row (its mac), never a stack. */
async function openReminder(box: SecretBox, mac: string, sealed: string): Promise<Reminder> {
  const where = { table: TABLE, row: mac, context: contextOf(mac) };
  const text = await openSealed(box, sealed, where);
  let r: Partial<Reminder> | null = null;
  try {
    r = JSON.parse(text);
  } catch { /* refused below */ }
  if (
    !r || typeof r.handle !== "string" || typeof r.authorId !== "string" ||
    typeof r.active !== "boolean"
  ) {
    throw sealedValueError(TABLE, mac, "the value opened is not a reminder");
  }
  return { handle: r.handle, authorId: r.authorId, active: r.active };
}

export function createReminders(db: Db, clock: Clock, box: SecretBox, log?: Log): Reminders {
  return {
    async set(handle, authorId, active) {
      const r = { handle: handle.toLowerCase(), authorId, active };
      const { mac, sealed } = await sealReminder(box, r);
      const previous = await box.previousMacs(r.handle, MAC_PURPOSE);
      await db.transaction(async (tx) => {
        // A row of a previous key not re-keyed yet is this handle's too: the new one replaces it.
        if (previous.length) {
          await tx.query(`delete from ${TABLE} where handle_mac = any($1)`, [previous]);
        }
        await tx.query(
          `insert into ${TABLE} (handle_mac, sealed, updated_at) values ($1, $2, $3)
           on conflict (handle_mac) do update set sealed = $2, updated_at = $3`,
          [mac, sealed, clock.instant()],
        );
      });
    },
    async active() {
      const rows = await db.query<{ handle_mac: string; sealed: string }>(
        `select handle_mac, sealed from ${TABLE}`,
      );
      const handles: string[] = [];
      for (const row of rows) {
        // One row that does not open (altered since the start checked it) costs only itself.
        const r = await openReminder(box, row.handle_mac, row.sealed).catch((error) => {
          log?.error("a reminder does not open", { error: error.message });
          return null;
        });
        if (r?.active) handles.push(r.handle);
      }
      return handles.sort();
    },
  };
}

/**
 * Every reminder under the current key: plain rows of before sealed (and removed from
 * x_reminders_plain), rows of a previous key opened, re-keyed and re-sealed. A row that does
 * not open stops it, naming the table and the key ids.
 */
export async function resealReminders(tx: Queryable, box: SecretBox): Promise<Resealed[]> {
  const done = { table: TABLE, sealed: 0, resealed: 0 };
  const plain = await tx.query<
    { handle: string; author_id: string; active: boolean; updated_at: Date }
  >("select handle, author_id, active, updated_at from x_reminders_plain");
  for (const p of plain) {
    const { mac, sealed } = await sealReminder(box, {
      handle: p.handle.toLowerCase(),
      authorId: p.author_id,
      active: p.active,
    });
    // A sealed row written since for the same handle is newer: it wins.
    await tx.query(
      `insert into ${TABLE} (handle_mac, sealed, updated_at) values ($1, $2, $3)
       on conflict (handle_mac) do update set sealed = $2, updated_at = $3
         where ${TABLE}.updated_at < $3`,
      [mac, sealed, p.updated_at],
    );
    await tx.query("delete from x_reminders_plain where handle = $1", [p.handle]);
    done.sealed++;
  }
  const rows = await tx.query<{ handle_mac: string; sealed: string; updated_at: Date }>(
    `select handle_mac, sealed, updated_at from ${TABLE}`,
  );
  for (const row of rows) {
    if (box.sealedWith(row.sealed) === box.keyId) continue;
    if (box.sealedWith(row.sealed) === null) {
      throw sealedValueError(TABLE, row.handle_mac, "not a sealed value");
    }
    const r = await openReminder(box, row.handle_mac, row.sealed);
    const next = await sealReminder(box, r);
    await tx.query(`delete from ${TABLE} where handle_mac = $1 and sealed = $2`, [
      row.handle_mac,
      row.sealed,
    ]);
    // A row of the current key for the same handle was written after it: that one stands.
    await tx.query(
      `insert into ${TABLE} (handle_mac, sealed, updated_at) values ($1, $2, $3)
       on conflict (handle_mac) do nothing`,
      [next.mac, next.sealed, row.updated_at],
    );
    done.resealed++;
  }
  return [done];
}
