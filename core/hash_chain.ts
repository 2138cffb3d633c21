/**
 * Hash chains for append-only records (audit logs, the bid log): a table with
 * columns `chain_seq bigint, chain_prev text, chain_hash text` and the trigger
 * `before insert … execute function core_chain_link('col', …)` gets, on each
 * insert, the next number of its chain, the previous entry's hash, and
 * sha256(previous hash | the row as jsonb text, less the chain columns and the
 * listed columns that may legitimately change later, e.g. a bid's `status`).
 * Inserts into one table's chain are serialised by a transaction-scoped
 * advisory lock, so the chain never forks. Times are hashed in UTC, so the hash
 * does not depend on a session's time zone (the trigger sets it for its
 * transaction). `verifyChains` recomputes every chained table and names the
 * first entry whose hash or link is wrong. Rows written before a table was
 * chained have no chain number and are counted, not checked.
 */
import type { Db, Queryable } from "./db.ts";

export const CHAIN_FUNCTION_SQL = `
create or replace function core_chain_content(r jsonb, mutable text[]) returns text
  language sql immutable as $$
    select (r - array['chain_seq', 'chain_prev', 'chain_hash'] - mutable)::text
  $$;
create or replace function core_chain_link() returns trigger language plpgsql as $$
declare
  last record;
begin
  perform pg_advisory_xact_lock(hashtext('core_chain:' || TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME));
  perform set_config('TimeZone', 'UTC', true);
  execute format(
    'select chain_seq, chain_hash from %I.%I where chain_seq is not null order by chain_seq desc limit 1',
    TG_TABLE_SCHEMA, TG_TABLE_NAME) into last;
  NEW.chain_seq := coalesce(last.chain_seq, 0) + 1;
  NEW.chain_prev := last.chain_hash;
  NEW.chain_hash := encode(sha256(convert_to(
    coalesce(last.chain_hash, '') || '|' || core_chain_content(to_jsonb(NEW), coalesce(TG_ARGV::text[], '{}')),
    'UTF8')), 'hex');
  if NEW.chain_hash is null then
    raise exception 'core_chain_link: no hash for a row of %', TG_TABLE_NAME;
  end if;
  return NEW;
end $$;
create or replace function core_chain_refuse() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', TG_TABLE_NAME;
end $$;
`;

/** Creates (or replaces) the chain's functions; core's migrations run it first. */
export async function installChainFunctions(tx: Queryable): Promise<void> {
  await tx.exec(CHAIN_FUNCTION_SQL);
}

export interface ChainReport {
  table: string;
  /** Entries checked, in chain order. */
  entries: number;
  /** Rows from before the table was chained (not covered). */
  unchained: number;
  /** The newest entry's hash: what a published report pins. */
  head: string | null;
  /** The first entry that does not match, if any. */
  broken: { chainSeq: string; why: string } | null;
}

/** The tables of the current schema with a chain (a `chain_hash` column). */
async function chainedTables(db: Db): Promise<string[]> {
  const rows = await db.query<{ table_name: string }>(
    `select table_name from information_schema.columns
     where table_schema = current_schema() and column_name = 'chain_hash' order by table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** The columns a table's trigger leaves out of the hash (its `core_chain_link` arguments). */
async function mutableColumns(db: Db, table: string): Promise<string[]> {
  const rows = await db.query<{ args: string }>(
    `select encode(t.tgargs, 'escape') as args from pg_trigger t
     join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
     where c.relname = $1 and c.relnamespace = current_schema()::regnamespace
       and p.proname = 'core_chain_link'`,
    [table],
  );
  // tgargs: each argument followed by a NUL byte (shown as \\000).
  return (rows[0]?.args ?? "").split("\\000").filter(Boolean);
}

export async function verifyChain(db: Db, table: string): Promise<ChainReport> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${table}`);
  const mutable = await mutableColumns(db, table);
  return await db.transaction(async (tx) => {
    await tx.query("select set_config('TimeZone', 'UTC', true)");
    const rows = await tx.query<{ chain_seq: string; ok_hash: boolean; ok_link: boolean }>(
      `select chain_seq, chain_hash = encode(sha256(convert_to(
           coalesce(chain_prev, '') || '|' || core_chain_content(to_jsonb(t), $1::text[]),
           'UTF8')), 'hex') as ok_hash,
         chain_prev is not distinct from lag(chain_hash) over (order by chain_seq)
           and chain_seq = coalesce(lag(chain_seq) over (order by chain_seq), 0) + 1 as ok_link
       from "${table}" t where chain_seq is not null order by chain_seq`,
      [`{${mutable.map((m) => `"${m}"`).join(",")}}`],
    );
    const [{ n }] = await tx.query<{ n: string }>(
      `select count(*) as n from "${table}" where chain_seq is null`,
    );
    const [head] = await tx.query<{ chain_hash: string }>(
      `select chain_hash from "${table}" where chain_seq is not null
       order by chain_seq desc limit 1`,
    );
    const bad = rows.find((r) => !r.ok_hash || !r.ok_link);
    return {
      table,
      entries: rows.length,
      unchained: Number(n),
      head: head?.chain_hash ?? null,
      broken: bad
        ? {
          chainSeq: bad.chain_seq,
          why: !bad.ok_hash
            ? "its content does not match its hash (changed after it was written)"
            : "its link to the entry before is wrong (an entry removed, inserted or reordered)",
        }
        : null,
    };
  });
}

export async function verifyChains(db: Db): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  for (const table of await chainedTables(db)) out.push(await verifyChain(db, table));
  return out;
}
