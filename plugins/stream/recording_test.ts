/**
 * The recording's rotation on a real folder: the oldest segments go first once
 * the folder passes its cap, the newest (being written) never, and files that
 * are not this recording's are neither counted nor deleted.
 */
import assert from "node:assert/strict";
import { segments } from "./recording.ts";

Deno.test("recording: past the cap the oldest segments are deleted, never the newest or others", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const mb = new Uint8Array(1024 * 1024);
    const names = ["program-20261201-090000.mp4", "program-20261201-090500.mp4"]
      .concat(["program-20261201-091000.mp4", "program-20261201-091500.mp4"]);
    for (const n of names) Deno.writeFileSync(`${dir}/${n}`, new Uint8Array(4 * 1024 * 1024));
    Deno.writeFileSync(`${dir}/notes.mp4`, mb);
    Deno.writeFileSync(`${dir}/program-evil.mp4`, mb);
    const rec = segments(dir, 10);
    assert.equal(rec.written(), 16 * 1024 * 1024);
    assert.deepEqual(rec.prune(), names.slice(0, 2));
    assert.deepEqual(rec.list().map((s) => s.name), names.slice(2));
    // Written counts what was deleted: the bit rate does not dip at a rotation.
    assert.equal(rec.written(), 16 * 1024 * 1024);
    assert.ok(Deno.statSync(`${dir}/notes.mp4`).isFile);
    assert.ok(Deno.statSync(`${dir}/program-evil.mp4`).isFile);
    // One segment bigger than the cap alone: it is the newest, it stays.
    const one = segments(dir, 1);
    assert.deepEqual(one.prune(), [names[2]]);
    assert.deepEqual(one.list().map((s) => s.name), [names[3]]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
