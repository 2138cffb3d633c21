/**
 * Widens the pipe to a child's stdin (Linux `F_SETPIPE_SZ`, at most
 * `fs.pipe-max-size`, 1 MiB by default). Why: a 1080p RGBA frame is 8 MB; the
 * default 64 KiB pipe passes it in ~128 hand-overs, each a wake-up of ffmpeg's
 * reader and of our writer, and on a busy machine each wake-up waits its turn
 * for a core (6700 context switches a second in ffmpeg at 1080p30, bursts of
 * dropped frames while its encoder had time to spare). 1 MiB makes it 8.
 * Best effort: without /proc, libc or FFI permission it changes nothing and
 * returns null; the stream works either way, only slower to hand over.
 */

const F_SETPIPE_SZ = 1031;

/** Our file descriptor of the pipe that is `pid`'s stdin, found through /proc; null if none. */
export function stdinPipeFd(pid: number): number | null {
  const pipe = Deno.readLinkSync(`/proc/${pid}/fd/0`);
  if (!pipe.startsWith("pipe:")) return null;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === pipe) return Number(entry.name);
    } catch { /* closed meanwhile */ }
  }
  return null;
}

/** The pipe's size after the call (bytes), or null when it could not be changed. */
export function widenStdinPipe(pid: number, bytes = 1 << 20): number | null {
  try {
    const fd = stdinPipeFd(pid);
    if (fd === null) return null;
    const libc = Deno.dlopen("libc.so.6", {
      fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
    });
    try {
      const size = libc.symbols.fcntl(fd, F_SETPIPE_SZ, bytes);
      return size > 0 ? size : null;
    } finally {
      libc.close();
    }
  } catch {
    return null;
  }
}
