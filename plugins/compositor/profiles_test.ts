/** resolveGeometry: each profile's size and rate; explicit fields win; hostile names are refused. */
import assert from "node:assert/strict";
import { compositorConfig } from "./mod.ts";
import { resolveGeometry } from "./profiles.ts";

Deno.test("profiles: 720p30, 1080p30 and 1080p60 set the canvas and the rate", () => {
  assert.deepEqual(resolveGeometry("720p30", {}), { width: 1280, height: 720, fps: 30 });
  assert.deepEqual(resolveGeometry("1080p30", {}), { width: 1920, height: 1080, fps: 30 });
  assert.deepEqual(resolveGeometry("1080p60", {}), { width: 1920, height: 1080, fps: 60 });
  assert.deepEqual(resolveGeometry("1080p30", { width: 640, height: 360 }), {
    width: 640,
    height: 360,
    fps: 30,
  });
});

Deno.test("profiles: the config defaults to 720p30 and names the field of a bad profile", () => {
  assert.equal(compositorConfig.parse({}).profile, "720p30");
  for (const bad of ["4k", "1080p", "", "720p30 ", 1080]) {
    const r = compositorConfig.safeParse({ profile: bad });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0].path, ["profile"]);
  }
});
