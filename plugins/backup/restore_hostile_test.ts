/**
 * A backup file damaged or forged line by line, restored into an embedded database with one
 * table: a trailer or a row's table name that is not JSON names the file and its line; a
 * header whose tables or migrations are not lists, and a trailer (with the right checksum)
 * that has no row counts, are refused naming the part; a friendly file (with a BOM too)
 * restores. Every refusal is a BackupError or the JSON error naming the file (one line, no
 * stack), and nothing is written. A header, row or trailer line over its bound (lines.ts) is
 * refused naming the file and the line; a 200 MB one without being read whole: a restore in a
 * process of its own, whose peak memory is printed and compared with a friendly restore's.
 */
import { createHash } from "node:crypto";
import { JsonFileError } from "../../core/config.ts";
import { assert, assertEquals } from "../../core/testing.ts";
import { tempDir } from "../../tests/services.ts";
import {
  header,
  oneTableDb,
  peakOf,
  ROWS as rows,
  writeBackupWithLongLine,
} from "./bench/restore_peak.ts";
import { BackupError, restoreBackup } from "./dump.ts";
import { LineTooLong, MAX_HEADER_BYTES, MAX_ROW_BYTES, MAX_TRAILER_BYTES } from "./lines.ts";

const gzipTo = async (path: string, text: string) =>
  await Deno.writeFile(
    path,
    new Uint8Array(
      await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")))
        .arrayBuffer(),
    ),
  );

const sha = (lines: string[]) =>
  createHash("sha256").update(lines.map((l) => l + "\n").join("")).digest("hex");
const trailer = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ end: true, rows: { t: 2 }, sequences: [], sha256: sha(rows), ...over });

Deno.test({
  name:
    "restore: a damaged or forged backup names the file and its line or part; a good one restores",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    const db = await oneTableDb(`${dir.path}/db`);
    try {
      const file = `${dir.path}/b.gz`;
      const cases: Array<[string, string[], RegExp]> = [
        [
          "a trailer cut short",
          [header(), ...rows, trailer().slice(0, 30)],
          /^FILE: invalid JSON at line 4, column \d+: /,
        ],
        [
          "a table name not JSON",
          [header(), rows[0], '"t\t{"x":2}', trailer()],
          /^FILE: invalid JSON at line 3, column \d+: /,
        ],
        [
          "tables not a list",
          [header({ tables: "t" }), ...rows, trailer()],
          /^FILE: header: tables: /,
        ],
        [
          "a table without columns",
          [header({ tables: [{ name: "t" }] }), ...rows, trailer()],
          /^FILE: header: tables: /,
        ],
        [
          "migrations not a list",
          [header({ migrations: { a: 1 } }), ...rows, trailer()],
          /^FILE: header: migrations: /,
        ],
        [
          "a trailer without counts",
          [header(), ...rows, trailer({ rows: null })],
          /^FILE: line 4: the trailer has no rows/,
        ],
        [
          "a trailer without sequences",
          [header(), ...rows, trailer({ sequences: 1 })],
          /^FILE: line 4: the trailer has no rows/,
        ],
        [
          "a NUL",
          [header().replace("{", "{\u0000"), ...rows, trailer()],
          /^FILE is not a sothebais-backup file$/,
        ],
      ];
      for (const [what, lines, expected] of cases) {
        await gzipTo(file, lines.join("\n") + "\n");
        let refused: unknown;
        await restoreBackup(db, file).catch((e) => (refused = e));
        assert(
          refused instanceof BackupError || refused instanceof JsonFileError,
          `${what}: ${refused}`,
        );
        const message = (refused as Error).message;
        assert(expected.test(message.replace(file, "FILE")), `${what}: ${message}`);
        assert(!message.includes("\n"), `${what}: one line`);
        assertEquals(await db.query("select x from t"), [], `${what}: nothing written`);
      }
      // A BOM is read past (the text decoder drops it), like any editor's.
      await gzipTo(file, ["\uFEFF" + header(), ...rows, trailer()].join("\n") + "\n");
      assertEquals((await restoreBackup(db, file)).rows, { t: 2 });
      await db.query("delete from t");
      await gzipTo(file, [header(), ...rows, trailer()].join("\n") + "\n");
      const done = await restoreBackup(db, file);
      assertEquals(done.rows, { t: 2 });
      assertEquals((await db.query<{ x: number }>("select x from t order by x")).map((r) => r.x), [
        1,
        2,
      ]);
    } finally {
      await db.close();
      dir.remove();
    }
  },
});

Deno.test({
  name:
    "restore: a line over its bound names the file and the line, nothing written; under it restores",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    const db = await oneTableDb(`${dir.path}/db`);
    try {
      const file = `${dir.path}/b.gz`;
      for (
        const [long, mb, line, bound] of [
          ["header", 2, 1, MAX_HEADER_BYTES],
          ["row", 9, 4, MAX_ROW_BYTES],
          ["trailer", 2, 4, MAX_TRAILER_BYTES],
        ] as const
      ) {
        await writeBackupWithLongLine(file, long, mb);
        let refused: unknown;
        await restoreBackup(db, file).catch((e) => (refused = e));
        assert(refused instanceof LineTooLong, `${long}: ${refused}`);
        assertEquals(refused.message, `${file}: line ${line} is longer than ${bound} bytes`);
        assertEquals(await db.query("select x from t"), [], `${long}: nothing written`);
      }
      // A row of 7 MiB (under the bound) is a row like any other.
      await writeBackupWithLongLine(file, "row", 7);
      assertEquals((await restoreBackup(db, file)).rows, { t: 3 });
      assertEquals((await db.query<{ x: number }>("select x from t order by x")).length, 3);
    } finally {
      await db.close();
      dir.remove();
    }
  },
});

Deno.test({
  name: "restore: a 200 MB line is refused without being read whole (the process's peak memory)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    try {
      const friendly = `${dir.path}/friendly.gz`;
      await writeBackupWithLongLine(friendly, "none");
      const base = await peakOf(friendly);
      assertEquals(base.outcome, "restored");
      console.log(`a friendly restore: peak RSS ${base.peakMiB} MiB`);
      for (const long of ["header", "row", "trailer"] as const) {
        const file = `${dir.path}/${long}.gz`;
        await writeBackupWithLongLine(file, long, 200);
        const p = await peakOf(file);
        console.log(`a 200 MB ${long} line: ${p.outcome} in ${p.ms} ms, peak RSS ${p.peakMiB} MiB`);
        assertEquals(p.outcome, "refused");
        assert(/^.+\.gz: line [14] is longer than \d+ bytes$/.test(p.message), p.message);
        assert(p.message.startsWith(file), p.message);
        // Read whole, the line alone is 200 MiB (1.1 to 3.3 GiB peak before the bound).
        assert(p.peakMiB - base.peakMiB < 64, `${long}: ${p.peakMiB} MiB vs ${base.peakMiB}`);
      }
    } finally {
      dir.remove();
    }
  },
});
