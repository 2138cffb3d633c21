/**
 * backup: `main.ts backup [FILE]` writes a consistent backup of the database (Postgres
 * or the embedded PGlite, the same format for both: dump.ts), by default under the
 * data folder; `main.ts restore FILE` loads one into an empty database and verifies
 * every hash chain afterwards. A refusal (not a backup, cut short, altered, a target
 * that is not empty or at other migrations) is one line naming why (`BackupError`).
 * The plugin starts nothing in the engine.
 */
import { z } from "zod";
import { nyString } from "../../core/clock.ts";
import { verifyChains } from "../../core/hash_chain.ts";
import { type CommandContext, definePlugin } from "../../core/plugin.ts";
import { BackupError, restoreBackup, writeBackup } from "./dump.ts";

export const backupConfig = z.object({}).strict();

/** `2026-03-08T14:05:00-04:00` → `2026-03-08T14-05-00`: a file name that sorts by time. */
const stamp = (ny: string) => ny.slice(0, 19).replaceAll(":", "-");

async function backup(ctx: CommandContext, positionals: string[]): Promise<number> {
  const at = nyString(ctx.clock.instant());
  let path = positionals[0];
  if (!path) {
    await Deno.mkdir(ctx.dataDir, { recursive: true });
    path = `${ctx.dataDir}/${stamp(at)}.sothebais-backup.gz`;
  }
  const t = performance.now();
  const done = await writeBackup(ctx.db, path, at);
  const rows = Object.values(done.rows).reduce((a, b) => a + b, 0);
  const { size } = await Deno.stat(path);
  ctx.print(
    `backup written: ${path} (${Object.keys(done.rows).length} tables, ${rows} rows, ` +
      `${size} bytes, ${Math.round(performance.now() - t)} ms)`,
  );
  return 0;
}

async function restore(ctx: CommandContext, positionals: string[]): Promise<number> {
  const path = positionals[0];
  if (!path) throw new BackupError("restore: name the backup file, e.g. restore data/backup/….gz");
  const done = await restoreBackup(ctx.db, path);
  for (const [table, n] of Object.entries(done.rows)) if (n) ctx.print(`${table}: ${n} rows`);
  let broken = 0;
  for (const r of await verifyChains(ctx.db)) {
    if (r.broken) broken++;
    ctx.print(
      r.broken
        ? `${r.table}: chain BROKEN at entry ${r.broken.chainSeq}: ${r.broken.why}`
        : `${r.table}: chain ok, ${r.entries} entries, head ${r.head ?? "-"}`,
    );
  }
  ctx.print(broken ? "restored, but a chain does not verify" : `restored from ${path}`);
  return broken ? 1 : 0;
}

export default definePlugin({
  name: "backup",
  config: backupConfig,
  setup() {},
  commands: {
    backup: {
      summary: "write a consistent backup of the database (default: under the data folder)",
      usage: "backup [FILE] [--config FILE]",
      run: (ctx, _values, positionals) => backup(ctx, positionals),
    },
    restore: {
      summary: "load a backup into an empty database, then verify every hash chain",
      usage: "restore FILE [--config FILE]",
      run: (ctx, _values, positionals) => restore(ctx, positionals),
    },
  },
});
