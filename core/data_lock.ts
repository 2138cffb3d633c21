/**
 * One engine per data folder, whatever the database: the folder also holds the
 * embedded chain, plugin files and recordings. The lock file names its owner by
 * pid and the process's start time (a pid alone is reused: a container's engine
 * is pid 1 on every start). A lock whose owner is gone (SIGKILL) is taken over,
 * and only then is PGlite's own stale `postmaster.pid` removed — opening past it
 * would hang.
 */

export class DataFolderBusyError extends Error {}

export interface DataLock {
  release(): void;
}

interface Owner {
  pid: number;
  /** Clock ticks since boot when the process started (/proc/<pid>/stat field 22). */
  started: string | null;
  boot: string | null;
}

/** Folders locked by this process: a second lock from the same process is refused too. */
const heldHere = new Set<string>();

function read(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

function startTime(pid: number): string | null {
  const stat = read(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: count after it.
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
}

function self(): Owner {
  return {
    pid: Deno.pid,
    started: startTime(Deno.pid),
    boot: read("/proc/sys/kernel/random/boot_id"),
  };
}

function parseOwner(text: string): Owner | null {
  if (/^\d+$/.test(text)) return { pid: Number(text), started: null, boot: null };
  try {
    const o = JSON.parse(text);
    return Number.isInteger(o.pid) ? { pid: o.pid, started: o.started, boot: o.boot } : null;
  } catch {
    return null;
  }
}

function alive(owner: Owner): boolean {
  if (owner.pid === Deno.pid) return false; // not held here (checked first): a reused pid
  const me = self();
  if (owner.boot && me.boot && owner.boot !== me.boot) return false;
  if (owner.started) return startTime(owner.pid) === owner.started;
  // A lock written without a start time: trust a live deno process by that pid.
  return read(`/proc/${owner.pid}/cmdline`)?.includes("deno") ?? false;
}

export function acquireDataLock(dir: string): DataLock {
  Deno.mkdirSync(dir, { recursive: true });
  const key = Deno.realPathSync(dir);
  if (heldHere.has(key)) {
    throw new DataFolderBusyError(`${dir} is in use by another engine (this process)`);
  }
  const path = `${dir}/engine.lock`;
  const mine = JSON.stringify(self());
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      Deno.writeTextFileSync(path, mine, { createNew: true });
      heldHere.add(key);
      return {
        release: () => {
          heldHere.delete(key);
          try {
            if (read(path) === mine) Deno.removeSync(path);
          } catch { /* already gone */ }
        },
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const owner = parseOwner(read(path) ?? "");
      if (owner && alive(owner)) {
        throw new DataFolderBusyError(`${dir} is in use by another engine (pid ${owner.pid})`);
      }
      Deno.removeSync(path);
      try {
        Deno.removeSync(`${dir}/pglite/postmaster.pid`);
      } catch { /* none left */ }
    }
  }
  throw new DataFolderBusyError(`could not lock ${dir}`);
}
