/**
 * The compositor follows the show: campaign phases and auction status pick the
 * scene; the frame route serves the last frame as a PNG; missing widgets are
 * skipped, not fatal; /metrics has each widget's render time.
 */
import assert from "node:assert/strict";
import { sampleEvents } from "../../../scenes/sample_state.ts";
import { startStudio } from "../studio.ts";
import { decodePng, diffRatio } from "./pixels.ts";

Deno.test("scenes follow campaign.phase and auction status", async () => {
  const studio = await startStudio();
  try {
    const { compositor } = studio;
    assert.equal(compositor.current(), "pre-auction");
    const events = sampleEvents("post-auction");
    const phase = (name: string) =>
      events.find((e) =>
        e.type === "campaign.phase" && (e.payload as { phase: string }).phase === name
      )!;
    const status = (s: string) =>
      events.find((e) =>
        e.type === "auction.updated" && (e.payload as { status: string }).status === s
      )!;
    await studio.play([phase("auction")]);
    assert.equal(compositor.current(), "live");
    await studio.play([status("closed")]);
    assert.equal(compositor.current(), "post-auction");
    compositor.show("slate");
    assert.equal(compositor.current(), "slate");
    await studio.play([{ ...status("open"), at: "2026-11-25T21:05:00-05:00" }]);
    assert.equal(compositor.current(), "live");
  } finally {
    await studio.stop();
  }
});

Deno.test("GET /compositor/frame.png serves the last frame; /compositor/scenes lists them", async () => {
  const studio = await startStudio({ widgets: [] });
  try {
    studio.compositor.render(0);
    const png = await studio.engine.http.request("/compositor/frame.png");
    assert.equal(png.status, 200);
    assert.equal(png.headers.get("content-type"), "image/png");
    const bytes = new Uint8Array(await png.arrayBuffer());
    assert.deepEqual([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    const scenes = await (await studio.engine.http.request("/compositor/scenes")).json();
    assert.deepEqual(scenes, {
      current: "pre-auction",
      scenes: ["live", "post-auction", "pre-auction", "slate"],
    });
  } finally {
    await studio.stop();
  }
});

Deno.test("the frame PNG is the frame asked for, even when the next frame is drawn while it encodes", async () => {
  const studio = await startStudio({ widgets: [] });
  try {
    const { compositor } = studio;
    compositor.show("slate", { kind: "cut", ms: 0 });
    const asked = compositor.render(0).rgba.slice();
    const response = studio.engine.http.request("/compositor/frame.png");
    await new Promise((r) => setTimeout(r, 0)); // the route has started encoding
    compositor.show("live", { kind: "cut", ms: 0 });
    const next = compositor.render(1).rgba.slice();
    const png = await decodePng(new Uint8Array(await (await response).arrayBuffer()));
    const { width, height } = studio.frames;
    const changed = diffRatio(asked, next, width, height, 16);
    assert(changed > 0.01, `the two scenes should look different (${changed})`);
    assert.equal(
      diffRatio(png.rgba, asked, width, height, 2),
      0,
      "the PNG is not the frame asked for",
    );
  } finally {
    await studio.stop();
  }
});

Deno.test("/metrics has each widget's render time in a frame and whether it is over budget", async () => {
  const studio = await startStudio();
  try {
    await studio.play(sampleEvents("auction"));
    studio.compositor.show("live", { kind: "cut", ms: 0 });
    for (let i = 0; i < 5; i++) studio.compositor.render(i);
    const text = await (await studio.engine.http.request("/metrics")).text();
    for (const kind of ["status", "countdown", "bid-feed", "host", "artwork", "text"]) {
      assert.match(
        text,
        new RegExp(`sothebais_compositor_widget_render_ms\\{widget="${kind}"\\} \\d`),
      );
      assert.match(
        text,
        new RegExp(`sothebais_compositor_widget_render_p99_ms\\{widget="${kind}"\\} \\d`),
      );
      assert.match(
        text,
        new RegExp(`sothebais_compositor_widget_over_budget\\{widget="${kind}"\\} 0`),
      );
    }
  } finally {
    await studio.stop();
  }
});
