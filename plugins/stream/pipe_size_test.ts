/**
 * The widened pipe: a child that never reads takes a full MiB on its stdin
 * (the default 64 KiB pipe would take 64 KiB and block the writer).
 */
import assert from "node:assert/strict";
import { widenStdinPipe } from "./pipe_size.ts";

Deno.test({
  name: "widenStdinPipe: a child's stdin takes 1 MiB unread after widening, 64 KiB before",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const accepted = async (widen: boolean) => {
      const child = new Deno.Command("sleep", { args: ["30"], stdin: "piped" }).spawn();
      try {
        const size = widen ? widenStdinPipe(child.pid) : null;
        if (widen) assert.equal(size, 1 << 20);
        const writer = child.stdin.getWriter();
        let written = 0;
        const chunk = new Uint8Array(16 * 1024);
        const writing = (async () => {
          while (written < 2 << 20) {
            await writer.write(chunk);
            written += chunk.length;
          }
        })().catch(() => {});
        await new Promise((r) => setTimeout(r, 300));
        child.kill("SIGKILL");
        await child.status;
        await writing;
        return written;
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }
    };
    const before = await accepted(false);
    const after = await accepted(true);
    assert.ok(before <= 64 * 1024, `${before} bytes taken by the default pipe`);
    assert.ok(after >= 1024 * 1024 - 16 * 1024 && after <= 1024 * 1024, `${after} bytes taken`);
  },
});
