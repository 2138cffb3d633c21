/**
 * A logical backup of the engine's database, the same for Postgres and PGlite: every
 * table of the current schema read in one read-only, repeatable-read transaction (one
 * snapshot: a backup taken mid-auction is a moment of it, never half a decision), written
 * as gzip'd lines. Rows travel as Postgres's own jsonb text and are never parsed here
 * (money is numeric(78,0): a JavaScript number would round it); restore hands them back
 * to `jsonb_populate_recordset`, so every value comes back exactly and the hash chains
 * still verify.
 *
 * File: a header line (`{"format":"sothebais-backup",…}`: the migrations applied and each
 * table's columns), one line per row (`"table"<TAB>{row as jsonb}`), a trailer line with
 * the row counts, the sequences and a sha256 of the row lines. A file cut short or altered
 * fails the trailer's check and restores nothing (one transaction).
 *
 * Restore goes into an empty database at the same migrations (`main.ts` migrates the
 * target first, so "empty" is: no table holds a row). Triggers of the database's own
 * (append-only refusals, the chain link) are disabled for the load, which inserts the
 * stored rows as they are, parents before children; sequences are set as they were.
 * Every line is bounded as it is read (lines.ts: the header, a row, the trailer), and so is
 * every batch of rows sent to the database.
 */
import { createHash } from "node:crypto";
import { parseJson } from "../../core/config.ts";
import type { Db, Queryable } from "../../core/db.ts";
import { linesOf, MAX_HEADER_BYTES, MAX_ROW_BYTES, MAX_TRAILER_BYTES } from "./lines.ts";

export const FORMAT = "sothebais-backup";
export const VERSION = 1;
/** Bookkeeping, not data: the migrations are compared, the lease is the live engines'. */
const SKIPPED = new Set(["schema_migrations", "core_lease"]);
const PAGE = 2000;
/** Rows inserted by one statement: at most this many, and at most this much text. */
const BATCH_ROWS = 500;
const BATCH_CHARS = 16 * 1024 * 1024;

export interface BackupHeader {
  format: typeof FORMAT;
  version: number;
  createdAt: string;
  source: { kind: string; schema: string };
  migrations: string[];
  tables: Array<{ name: string; columns: string[] }>;
}

export interface BackupTrailer {
  end: true;
  rows: Record<string, number>;
  sequences: Array<{ name: string; value: string | null }>;
  sha256: string;
}

/** A backup that cannot be restored, or a target that cannot take it; says why. */
export class BackupError extends Error {
  override name = "BackupError";
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The tables of the current schema, parents before children (foreign keys). */
async function tablesOf(q: Queryable): Promise<Array<{ name: string; columns: string[] }>> {
  const tables = await q.query<{ name: string }>(
    `select c.relname as name from pg_class c
     where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
     order by c.relname`,
  );
  const names = tables.map((t) => t.name).filter((n) => !SKIPPED.has(n));
  const links = await q.query<{ child: string; parent: string }>(
    `select c.relname as child, p.relname as parent from pg_constraint k
     join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
     where k.contype = 'f' and c.relnamespace = current_schema()::regnamespace
       and c.oid <> p.oid`,
  );
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (ordered.includes(name) || visiting.has(name)) return;
    visiting.add(name);
    for (const l of links) if (l.child === name && names.includes(l.parent)) visit(l.parent);
    ordered.push(name);
  };
  names.forEach(visit);
  const out = [];
  for (const name of ordered) {
    const cols = await q.query<{ name: string }>(
      `select attname as name from pg_attribute
       where attrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
         and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`,
      [name],
    );
    out.push({ name, columns: cols.map((c) => c.name) });
  }
  return out;
}

async function migrationsOf(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ m: string }>(
    "select owner || '/' || id as m from schema_migrations order by owner, id",
  );
  return rows.map((r) => r.m);
}

/** Writes the backup to `path` (gzip'd); returns the row counts. */
export async function writeBackup(
  db: Db,
  path: string,
  createdAt: string,
): Promise<BackupTrailer> {
  const file = await Deno.open(path, { write: true, createNew: true });
  const gzip = new CompressionStream("gzip");
  const piped = gzip.readable.pipeTo(file.writable);
  const writer = gzip.writable.getWriter();
  const encoder = new TextEncoder();
  const hash = createHash("sha256");
  const line = (text: string) => writer.write(encoder.encode(text + "\n"));
  try {
    const trailer = await db.transaction(async (tx) => {
      await tx.query("set transaction isolation level repeatable read, read only");
      const [{ schema, kind }] = await tx.query<{ schema: string; kind: string }>(
        "select current_schema() as schema, version() as kind",
      );
      const tables = await tablesOf(tx);
      const header: BackupHeader = {
        format: FORMAT,
        version: VERSION,
        createdAt,
        source: { kind: `${db.kind}: ${kind.split(" on ")[0]}`, schema },
        migrations: await migrationsOf(tx),
        tables,
      };
      await line(JSON.stringify(header));
      const rows: Record<string, number> = {};
      for (const t of tables) {
        rows[t.name] = 0;
        // One snapshot, so ctid order pages it stably.
        for (let offset = 0;; offset += PAGE) {
          const page = await tx.query<{ r: string }>(
            `select to_jsonb(t)::text as r from ${ident(t.name)} t order by ctid
             limit ${PAGE} offset ${offset}`,
          );
          for (const { r } of page) {
            const text = `${JSON.stringify(t.name)}\t${r}`;
            hash.update(text + "\n");
            await line(text);
          }
          rows[t.name] += page.length;
          if (page.length < PAGE) break;
        }
      }
      const sequences = await tx.query<{ name: string; value: string | null }>(
        `select sequencename as name, last_value::text as value from pg_sequences
         where schemaname = current_schema() order by sequencename`,
      );
      const end: BackupTrailer = { end: true, rows, sequences, sha256: hash.digest("hex") };
      await line(JSON.stringify(end));
      return end;
    });
    await writer.close();
    await piped;
    return trailer;
  } catch (error) {
    await writer.abort(error).catch(() => {});
    await piped.catch(() => {});
    await Deno.remove(path).catch(() => {});
    throw error;
  }
}

function readHeader(first: string | undefined, path: string): BackupHeader {
  let header: BackupHeader | undefined;
  try {
    header = first ? parseJson(first, path) as BackupHeader : undefined;
  } catch { /* named below */ }
  if (header?.format !== FORMAT) throw new BackupError(`${path} is not a ${FORMAT} file`);
  if (header.version !== VERSION) {
    throw new BackupError(
      `${path}: format version ${header.version}, this engine reads ${VERSION}`,
    );
  }
  const names = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (!names(header.migrations)) throw new BackupError(`${path}: header: migrations: not a list`);
  if (
    !Array.isArray(header.tables) ||
    !header.tables.every((t) => typeof t?.name === "string" && names(t.columns) && t.columns.length)
  ) throw new BackupError(`${path}: header: tables: not a list of tables and their columns`);
  return header;
}

/** Refuses unless the target is at the backup's migrations and holds no row. */
async function checkTarget(tx: Queryable, header: BackupHeader) {
  const here = await migrationsOf(tx);
  const missing = header.migrations.filter((m) => !here.includes(m));
  const extra = here.filter((m) => !header.migrations.includes(m));
  if (missing.length || extra.length) {
    throw new BackupError(
      "the backup and this database are at different migrations" +
        (missing.length ? `; only in the backup: ${missing.join(", ")}` : "") +
        (extra.length ? `; only here: ${extra.join(", ")}` : "") +
        ": restore with the engine's version that made the backup",
    );
  }
  const tables = await tablesOf(tx);
  for (const t of header.tables) {
    if (!tables.some((h) => h.name === t.name)) {
      throw new BackupError(`the backup has table ${t.name}, this database has not`);
    }
  }
  for (const t of tables) {
    const [row] = await tx.query(`select 1 from ${ident(t.name)} limit 1`);
    if (row) throw new BackupError(`this database is not empty: ${t.name} has rows`);
  }
}

/** The header, a row (`"table"<TAB>…`) or the trailer (`{…`): each line's bound in bytes. */
const lineBound = (n: number, first: number) =>
  n === 1 ? MAX_HEADER_BYTES : first === 0x7b ? MAX_TRAILER_BYTES : MAX_ROW_BYTES;

/** Restores `path` into the (migrated, empty) database; returns the rows restored by table. */
export async function restoreBackup(db: Db, path: string): Promise<BackupTrailer> {
  const lines = linesOf(path, lineBound);
  try {
    const header = readHeader((await lines.next()).value as string | undefined, path);
    return await db.transaction((tx) => restoreInto(tx, header, lines, path));
  } finally {
    await lines.return(undefined); // closes the file however the restore ended
  }
}

/** The rows and the trailer of `lines` into `tx` (checked, migrated, empty). */
async function restoreInto(
  tx: Queryable,
  header: BackupHeader,
  lines: AsyncGenerator<string>,
  path: string,
): Promise<BackupTrailer> {
  await checkTarget(tx, header);
  const columns = new Map(header.tables.map((t) => [t.name, t.columns]));
  for (const t of header.tables) {
    await tx.query(`alter table ${ident(t.name)} disable trigger user`);
  }
  const hash = createHash("sha256");
  const rows: Record<string, number> = {};
  const batch = { table: "", rows: [] as string[], chars: 0 };
  const flush = async () => {
    if (!batch.rows.length) return;
    const cols = columns.get(batch.table)!.map(ident).join(", ");
    await tx.query(
      `insert into ${ident(batch.table)} (${cols}) overriding system value
       select ${cols} from jsonb_populate_recordset(null::${ident(batch.table)}, $1::text::jsonb)`,
      [`[${batch.rows.join(",")}]`],
    );
    batch.rows = [];
    batch.chars = 0;
  };
  let trailer: BackupTrailer | undefined;
  let n = 1; // the header's line
  for await (const line of lines) {
    n++;
    if (line.startsWith("{")) {
      trailer = parseJson(line, path, n) as BackupTrailer;
      break;
    }
    hash.update(line + "\n");
    const tab = line.indexOf("\t");
    const table = tab > 0 ? String(parseJson(line.slice(0, tab), path, n)) : "";
    if (!columns.has(table)) throw new BackupError(`a row of an unknown table: ${table}`);
    if (batch.table !== table) {
      await flush();
      batch.table = table;
    }
    batch.rows.push(line.slice(tab + 1));
    batch.chars += line.length - tab;
    rows[table] = (rows[table] ?? 0) + 1;
    if (batch.rows.length >= BATCH_ROWS || batch.chars >= BATCH_CHARS) await flush();
  }
  await flush();
  if (!trailer?.end) throw new BackupError(`${path} is cut short: no trailer line`);
  if (trailer.sha256 !== hash.digest("hex")) {
    throw new BackupError(`${path} does not match its checksum: altered or damaged`);
  }
  if (!trailer.rows || typeof trailer.rows !== "object" || !Array.isArray(trailer.sequences)) {
    throw new BackupError(`${path}: line ${n}: the trailer has no rows or sequences`);
  }
  for (const t of header.tables) {
    if ((rows[t.name] ?? 0) !== trailer.rows[t.name]) {
      throw new BackupError(
        `${t.name}: ${rows[t.name] ?? 0} rows read, the trailer says ${trailer.rows[t.name]}`,
      );
    }
    await tx.query(`alter table ${ident(t.name)} enable trigger user`);
  }
  for (const s of trailer.sequences) {
    if (s.value !== null) {
      await tx.query(
        "select setval((quote_ident(current_schema()) || '.' || quote_ident($1))::regclass, $2::bigint)",
        [s.name, s.value],
      );
    }
  }
  return trailer;
}
