/**
 * theRecording: a test of one run reads the one recording nginx made, whatever else is in the
 * folder; none or several (a restart: one file a publish) fail naming each with its size.
 */
import assert from "node:assert/strict";
import { theRecording } from "./nginx_rtmp.ts";

Deno.test("theRecording: the one .flv; none or several fail, named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sothebais-record-" });
  try {
    assert.throws(() => theRecording(dir), /expected one recording \(one publish\), found 0$/);
    Deno.writeFileSync(`${dir}/av-1700000010.flv`, new Uint8Array(500));
    Deno.writeTextFileSync(`${dir}/notes.txt`, "not a recording");
    assert.equal(theRecording(dir), `${dir}/av-1700000010.flv`);
    Deno.writeFileSync(`${dir}/av-1700000003.flv`, new Uint8Array(70));
    assert.throws(
      () => theRecording(dir, "1 restarts"),
      (e: Error) =>
        e.message ===
          "expected one recording (one publish), found 2: av-1700000003.flv (70 bytes), " +
            "av-1700000010.flv (500 bytes); 1 restarts",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
