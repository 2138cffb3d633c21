/**
 * Who asked to be reminded before an auction opens (`remind` / `stop` tweets): the only file that
 * reads or writes `x_reminders`. One row a handle (lower-cased), the latest tweet winning.
 */
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";

export interface Reminders {
  /** Turns a handle's reminders on or off. */
  set(handle: string, authorId: string, active: boolean): Promise<void>;
  /** The handles to remind, in order. */
  active(): Promise<string[]>;
}

export function createReminders(db: Db, clock: Clock): Reminders {
  return {
    async set(handle, authorId, active) {
      await db.query(
        `insert into x_reminders (handle, author_id, active, updated_at) values ($1, $2, $3, $4)
         on conflict (handle) do update set active = $3, updated_at = $4, author_id = $2`,
        [handle.toLowerCase(), authorId, active, clock.instant()],
      );
    },
    async active() {
      const rows = await db.query<{ handle: string }>(
        "select handle from x_reminders where active order by handle",
      );
      return rows.map((r) => r.handle);
    },
  };
}
