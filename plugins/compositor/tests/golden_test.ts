/**
 * Golden images: every phase scene with the sample show, at 720p (and live at
 * 1080p), compared with the committed PNGs under `tests/goldens/`. A pixel
 * differs when a channel is off by more than 16; up to 0.5 % may differ (font
 * hinting across Skia builds). `UPDATE_GOLDENS=1` rewrites them.
 */
import assert from "node:assert/strict";
import type { Phase } from "../../auction/mod.ts";
import { SAMPLE_MOMENT, sampleEvents } from "../../../scenes/sample_state.ts";
import { startStudio, type Studio } from "../studio.ts";
import { decodePng, diffRatio } from "./pixels.ts";

const GOLDENS = new URL("./goldens/", import.meta.url);
const update = Deno.env.get("UPDATE_GOLDENS") === "1";
const TOLERANCE = 0.005;

async function advanceTo(studio: Studio, phase: Phase) {
  const now = studio.clock.instant();
  await studio.play(
    sampleEvents(phase).filter((e) =>
      Temporal.Instant.compare(Temporal.Instant.from(e.at), now) > 0
    ),
  );
  await studio.clock.advanceTo(Temporal.Instant.from(SAMPLE_MOMENT[phase]));
}

async function matchGolden(studio: Studio, scene: string, name: string) {
  studio.compositor.show(scene, { kind: "cut", ms: 0 });
  const frame = studio.compositor.render(1);
  const { width, height } = studio.compositor;
  const path = new URL(`${name}.png`, GOLDENS);
  if (update) {
    await Deno.writeFile(path, new Uint8Array(await studio.compositor.canvas.encode("png")));
    return;
  }
  const golden = await decodePng(await Deno.readFile(path));
  assert.deepEqual([golden.width, golden.height], [width, height]);
  const ratio = diffRatio(frame.rgba, golden.rgba, width, height);
  if (ratio > TOLERANCE) {
    const actual = `${Deno.makeTempDirSync()}/${name}.png`;
    await Deno.writeFile(actual, new Uint8Array(await studio.compositor.canvas.encode("png")));
    assert.fail(`${name}: ${(ratio * 100).toFixed(2)}% of pixels differ; actual frame: ${actual}`);
  }
}

Deno.test("scenes match their goldens through the sample show (720p)", async (t) => {
  const studio = await startStudio();
  try {
    await t.step("live, before any event", () => matchGolden(studio, "live", "live-empty-720p"));
    await advanceTo(studio, "pre-auction");
    await t.step("pre-auction", () => matchGolden(studio, "pre-auction", "pre-auction-720p"));
    await advanceTo(studio, "auction");
    await t.step("live", () => matchGolden(studio, "live", "live-720p"));
    await t.step("slate", () => matchGolden(studio, "slate", "slate-720p"));
    await t.step("live, 0.4 s after an extension and a new leader", async () => {
      const at = studio.clock.instant();
      studio.engine.bus.emit("bid.accepted", {
        auctionId: "auc-2026-11-25",
        tweetId: "t-golden",
        handle: "@late_whale",
        amountWei: 2_500_000_000_000_000_000n,
        at: at.toString(),
        previousLeader: { handle: "@zeta.eth", amountWei: 2_250_000_000_000_000_000n },
        endsAt: "2026-11-25T21:03:24-05:00",
      } as never, at);
      studio.engine.bus.emit("auction.extended", {
        auctionId: "auc-2026-11-25",
        endsAt: "2026-11-25T21:03:24-05:00",
        previousEndsAt: "2026-11-25T21:02:00-05:00",
      } as never, at);
      await studio.clock.advance(400);
      studio.engine.bus.emit("host.speaking", { utteranceId: "u2", level: 0.9 } as never);
      await matchGolden(studio, "live", "live-extended-720p");
    });
    await advanceTo(studio, "post-auction");
    await t.step("post-auction", () => matchGolden(studio, "post-auction", "post-auction-720p"));
  } finally {
    await studio.stop();
  }
});

Deno.test("the live scene matches its golden at 1080p", async () => {
  const studio = await startStudio({ config: { width: 1920, height: 1080 } });
  try {
    await advanceTo(studio, "auction");
    await matchGolden(studio, "live", "live-1080p");
  } finally {
    await studio.stop();
  }
});

Deno.test("a golden comparison fails on a real change", async () => {
  const studio = await startStudio();
  try {
    await advanceTo(studio, "auction");
    studio.compositor.show("slate", { kind: "cut", ms: 0 });
    const slate = studio.compositor.render(1);
    const golden = await decodePng(await Deno.readFile(new URL("live-720p.png", GOLDENS)));
    assert(diffRatio(slate.rgba, golden.rgba, 1280, 720) > TOLERANCE);
  } finally {
    await studio.stop();
  }
});
