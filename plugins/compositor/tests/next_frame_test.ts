/**
 * Event to pixel: a `bid.accepted` emitted right after frame k is rendered is
 * visible in frame k+1, the very next frame the real frame loop renders; and
 * frames do not change while nothing happens (the virtual clock stands still).
 */
import assert from "node:assert/strict";
import { parseEther } from "viem";
import type { FrameSink } from "../../../core/frame_loop.ts";
import { SAMPLE_MOMENT, sampleEvents } from "../../../scenes/sample_state.ts";
import type { Frame } from "../frames.ts";
import { startStudio } from "../studio.ts";
import { diffRatio, type Region } from "./pixels.ts";

// The live scene's bid feed and status boxes at 1280x720 (from scenes/live.json).
const FEED: Region = { x: 652, y: 476, width: 616, height: 178 };
const STATUS: Region = { x: 652, y: 66, width: 368, height: 264 };

Deno.test("a new bid.accepted shows in the very next rendered frame", async () => {
  const studio = await startStudio({ config: { fps: 30 } });
  try {
    await studio.play(sampleEvents("auction"));
    await studio.clock.advanceTo(Temporal.Instant.from(SAMPLE_MOMENT.auction));
    studio.compositor.show("live", { kind: "cut", ms: 0 });
    const frames: Frame[] = [];
    const EMIT_AFTER = 3;
    const { promise: done, resolve } = Promise.withResolvers<void>();
    const sink: FrameSink<Frame> = {
      name: "test",
      push(frame) {
        // Copy: the loop hands over its own bytes, kept only until the next frame.
        frames.push({ rgba: frame.rgba.slice(), index: frame.index });
        if (frames.length === EMIT_AFTER) {
          studio.engine.bus.emit("bid.accepted", {
            auctionId: "auc-2026-11-25",
            tweetId: "t-next",
            handle: "@newcomer",
            amountWei: parseEther("3.5"),
            at: studio.clock.now().toString({ timeZoneName: "never" }),
            previousLeader: { handle: "@zeta.eth", amountWei: parseEther("2.25") },
            endsAt: "2026-11-25T21:02:00-05:00",
          } as never);
        }
        if (frames.length === EMIT_AFTER + 1) resolve();
      },
      dropped: () => 0,
      depth: () => ({ queued: 0, limit: 1 }),
    };
    const loop = studio.frames.loop;
    loop.addSink(sink);
    loop.start();
    await done;
    loop.stop();
    const [before, last, next] = frames.slice(EMIT_AFTER - 2, EMIT_AFTER + 1);
    const { width, height } = studio.frames;
    // `frames` holds every frame the loop rendered, in order: `next` is the one right after.
    assert.ok(next.index > last.index);
    assert.equal(
      diffRatio(before.rgba, last.rgba, width, height, 0),
      0,
      "idle frames are identical",
    );
    assert.ok(
      diffRatio(last.rgba, next.rgba, width, height, 16, FEED) > 0.01,
      "feed shows the bid",
    );
    assert.ok(diffRatio(last.rgba, next.rgba, width, height, 16, STATUS) > 0.01, "status shows it");
  } finally {
    await studio.stop();
  }
});
