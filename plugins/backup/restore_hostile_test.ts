/**
 * A backup file damaged or forged line by line, restored into an embedded database with one
 * table: a trailer or a row's table name that is not JSON names the file and its line; a
 * header whose tables or migrations are not lists, and a trailer (with the right checksum)
 * that has no row counts, are refused naming the part; a friendly file (with a BOM too)
 * restores. Every
 * refusal is a BackupError or the JSON error naming the file (one line, no stack), and
 * nothing is written.
 */
import { createHash } from "node:crypto";
import { JsonFileError } from "../../core/config.ts";
import { openDb } from "../../core/db.ts";
import { assert, assertEquals } from "../../core/testing.ts";
import { tempDir } from "../../tests/services.ts";
import { BackupError, FORMAT, restoreBackup, VERSION } from "./dump.ts";

const gzipTo = async (path: string, text: string) =>
  await Deno.writeFile(
    path,
    new Uint8Array(
      await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")))
        .arrayBuffer(),
    ),
  );

const header = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: FORMAT,
    version: VERSION,
    createdAt: "2026-03-08T14:00:00-04:00",
    source: { kind: "pglite", schema: "public" },
    migrations: [],
    tables: [{ name: "t", columns: ["x"] }],
    ...over,
  });
const rows = ['"t"\t{"x":1}', '"t"\t{"x":2}'];
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
    const db = await openDb({ dataDir: `${dir.path}/db` });
    try {
      await db.query("create table schema_migrations (owner text, id text)");
      await db.query("create table t (x int)");
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
