/**
 * One engine per data folder. The lock file holds the owner's pid; a lock left
 * by a dead process (SIGKILL) is taken over, and only then is PGlite's own
 * stale `postmaster.pid` removed — opening past it would hang.
 */

export class DataFolderBusyError extends Error {}

export interface DataLock {
  release(): void;
}

function alive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    return cmdline.includes("deno");
  } catch {
    return false;
  }
}

export function acquireDataLock(dir: string): DataLock {
  Deno.mkdirSync(dir, { recursive: true });
  const path = `${dir}/engine.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      Deno.writeTextFileSync(path, String(Deno.pid), { createNew: true });
      return {
        release: () => {
          try {
            if (Deno.readTextFileSync(path) === String(Deno.pid)) Deno.removeSync(path);
          } catch { /* already gone */ }
        },
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const pid = Number(Deno.readTextFileSync(path).trim());
      if (pid && alive(pid)) {
        throw new DataFolderBusyError(`${dir} is in use by another engine (pid ${pid})`);
      }
      Deno.removeSync(path);
      try {
        Deno.removeSync(`${dir}/pglite/postmaster.pid`);
      } catch { /* none left */ }
    }
  }
  throw new DataFolderBusyError(`could not lock ${dir}`);
}
