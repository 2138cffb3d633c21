import { acquireDataLock, DataFolderBusyError } from "./data_lock.ts";
import { assertEquals, assertThrows } from "./testing.ts";

const stat = (pid: number) => {
  const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return s.slice(s.lastIndexOf(")") + 2).split(" ")[19];
};
const boot = () => Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();

Deno.test("data lock: one holder per folder; a dead owner's lock is taken over, even with our pid", () => {
  const dir = Deno.makeTempDirSync();
  const lockFile = `${dir}/engine.lock`;
  try {
    const lock = acquireDataLock(dir);
    assertThrows(() => acquireDataLock(dir), DataFolderBusyError); // the same process, again
    lock.release();

    // A container's engine has the same pid on every start: a lock naming our pid but another
    // process start is stale, not ours.
    Deno.writeTextFileSync(
      lockFile,
      JSON.stringify({ pid: Deno.pid, started: "1", boot: boot() }),
    );
    Deno.mkdirSync(`${dir}/pglite`);
    Deno.writeTextFileSync(`${dir}/pglite/postmaster.pid`, "stale");
    acquireDataLock(dir).release();
    assertEquals([...Deno.readDirSync(`${dir}/pglite`)].length, 0, "stale PGlite pid file removed");

    // A lock from before the last boot is stale whatever its pid.
    Deno.writeTextFileSync(lockFile, JSON.stringify({ pid: 1, started: stat(1), boot: "other" }));
    acquireDataLock(dir).release();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("data lock: a live owner in another process is refused, by pid and start time", async () => {
  const dir = Deno.makeTempDirSync();
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const owner = { pid: child.pid, started: stat(child.pid), boot: boot() };
    Deno.writeTextFileSync(`${dir}/engine.lock`, JSON.stringify(owner));
    const error = assertThrows(() => acquireDataLock(dir), DataFolderBusyError);
    assertEquals(error.message, `${dir} is in use by another engine (pid ${child.pid})`);
    // The same pid with another start time is someone else: taken over.
    Deno.writeTextFileSync(`${dir}/engine.lock`, JSON.stringify({ ...owner, started: "1" }));
    acquireDataLock(dir).release();
    // An old lock holding a bare pid: trusted only when it is a deno process.
    Deno.writeTextFileSync(`${dir}/engine.lock`, String(child.pid));
    acquireDataLock(dir).release();
  } finally {
    child.kill("SIGKILL");
    await child.status;
    Deno.removeSync(dir, { recursive: true });
  }
});
