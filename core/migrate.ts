/**
 * Migrations: each plugin owns a folder of `NNN_name.sql` files. Each file is
 * applied once, in name order, in its own transaction, and recorded by owner.
 */
import type { Db } from "./db.ts";
import { installChainFunctions } from "./hash_chain.ts";

export interface Migration {
  id: string;
  sql: string;
}

/** Reads the `.sql` files of a folder, sorted by name. */
export async function readMigrations(dir: URL): Promise<Migration[]> {
  const out: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) {
      out.push({ id: entry.name, sql: await Deno.readTextFile(new URL(entry.name, dir)) });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** Applies what `owner` has not applied yet; returns the ids applied now. */
export async function migrate(db: Db, owner: string, migrations: Migration[]): Promise<string[]> {
  await db.exec(`create table if not exists schema_migrations (
    owner text not null, id text not null, applied_at timestamptz not null default now(),
    primary key (owner, id))`);
  // The hash-chain functions plugins' migrations may use (core/hash_chain.ts).
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext('sothebais.migrate'))");
    await installChainFunctions(tx);
  });
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      // Two engines starting at once must not both apply a file.
      await tx.query("select pg_advisory_xact_lock(hashtext('sothebais.migrate'))");
      const seen = await tx.query("select 1 from schema_migrations where owner = $1 and id = $2", [
        owner,
        m.id,
      ]);
      if (seen.length) return false;
      await tx.exec(m.sql);
      await tx.query("insert into schema_migrations (owner, id) values ($1, $2)", [owner, m.id]);
      return true;
    });
    if (done) applied.push(m.id);
  }
  return applied;
}
