/**
 * The restore's peak memory given a backup with one very long line: each file is restored in a
 * process of its own (an embedded database with one table `t (x int)`), which reports its peak
 * resident set (VmHWM, Linux) and how the restore ended. Without files it makes its own: a
 * friendly backup, and backups whose header, row or trailer is one line of `MB` (default 200)
 * MB, written in 1 MiB pieces (never one string here either).
 *
 *   deno run -A plugins/backup/bench/restore_peak.ts [--mb 200] [FILE…]
 *
 * `restore_hostile_test.ts` runs `peakOf` on the same files and checks the figures.
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { openDb } from "../../../core/db.ts";
import { tempDir } from "../../../tests/services.ts";
import { FORMAT, restoreBackup, VERSION } from "../dump.ts";

export interface Peak {
  outcome: "restored" | "refused";
  message: string;
  peakMiB: number;
  ms: number;
}

/** A hand-made backup's header for the one table `t (x int)`, with fields replaced or added. */
export const header = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: FORMAT,
    version: VERSION,
    createdAt: "2026-03-08T14:00:00-04:00",
    source: { kind: "pglite", schema: "public" },
    migrations: [],
    tables: [{ name: "t", columns: ["x"] }],
    ...over,
  });
/** Its two rows, as lines. */
export const ROWS = ['"t"\t{"x":1}', '"t"\t{"x":2}'];

/** An embedded database with what such a backup restores into: no migrations, the table `t`. */
export async function oneTableDb(dataDir: string) {
  const db = await openDb({ dataDir });
  await db.query("create table schema_migrations (owner text, id text)");
  await db.query("create table t (x int)");
  return db;
}

/**
 * Writes a gzip'd backup to `path`; `long` makes one line `mb` MB: the header's (a JSON string
 * field), a third row's (a jsonb text field, counted and hashed: a friendly file when under the
 * bound) or the trailer's. Written in 1 MiB pieces.
 */
export async function writeBackupWithLongLine(
  path: string,
  long: "none" | "header" | "row" | "trailer",
  mb = 200,
) {
  const encoder = new TextEncoder();
  const piece = encoder.encode("x".repeat(1 << 20));
  const gzip = new CompressionStream("gzip");
  const written = gzip.readable.pipeTo((await Deno.create(path)).writable);
  const w = gzip.writable.getWriter();
  const hash = createHash("sha256");
  const text = (s: string, hashed = false) => {
    if (hashed) hash.update(s);
    return w.write(encoder.encode(s));
  };
  /** A JSON object's line with a field "pad" of `mb` MB added (or the line as it is). */
  const line = async (json: string, padded: boolean, hashed = false) => {
    if (!padded) return await text(json + "\n", hashed);
    await text(json.slice(0, -1) + ',"pad":"', hashed);
    for (let i = 0; i < mb; i++) {
      if (hashed) hash.update(piece);
      await w.write(piece);
    }
    await text('"}\n', hashed);
  };
  await line(header(), long === "header");
  for (const row of ROWS) await line(row, false, true);
  if (long === "row") await line('"t"\t{"x":3}', true, true);
  const rows = { t: ROWS.length + (long === "row" ? 1 : 0) };
  const trailer = JSON.stringify({ end: true, rows, sequences: [], sha256: hash.digest("hex") });
  await line(trailer, long === "trailer");
  await w.close();
  await written;
}

/** Restores `file` in a process of its own; how it ended and the process's peak RSS. */
export async function peakOf(file: string): Promise<Peak> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", import.meta.filename!, "--one", file],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const last = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success || !last.startsWith("{")) throw new Error(`restore of ${file}: ${last}`);
  return JSON.parse(last);
}

/** The peak resident set of this process so far, in MiB. */
function peakMiB(): number {
  const kb = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s+(\d+) kB/m)?.[1];
  return Math.round(Number(kb) / 1024);
}

async function restoreOne(file: string): Promise<Peak> {
  const dir = tempDir("sothebais-restore-peak-");
  const db = await oneTableDb(`${dir.path}/db`);
  try {
    const t = performance.now();
    const outcome = await restoreBackup(db, file).then(
      (done) => ({ outcome: "restored" as const, message: JSON.stringify(done.rows) }),
      (error) => ({ outcome: "refused" as const, message: String(error?.message ?? error) }),
    );
    return { ...outcome, peakMiB: peakMiB(), ms: Math.round(performance.now() - t) };
  } finally {
    await db.close();
    dir.remove();
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { one: { type: "string" }, mb: { type: "string", default: "200" } },
    allowPositionals: true,
  });
  if (values.one) {
    console.log(JSON.stringify(await restoreOne(values.one)));
  } else {
    const dir = tempDir("sothebais-restore-peak-");
    try {
      const files = positionals.length ? positionals : [];
      if (!files.length) {
        for (const long of ["none", "header", "row", "trailer"] as const) {
          const file = `${dir.path}/${long}.gz`;
          await writeBackupWithLongLine(file, long, Number(values.mb));
          files.push(file);
        }
      }
      for (const file of files) {
        const p = await peakOf(file);
        const size = (await Deno.stat(file)).size;
        console.log(
          `${file.split("/").at(-1)} (${size} bytes gzip'd): ${p.outcome} in ${p.ms} ms, ` +
            `peak RSS ${p.peakMiB} MiB — ${p.message.replace(dir.path, "…")}`,
        );
      }
    } finally {
      dir.remove();
    }
  }
}
