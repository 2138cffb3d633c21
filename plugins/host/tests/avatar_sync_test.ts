/**
 * The avatar talks in sync with its voice, on the program as it goes out: a
 * real engine — the compositor drawing a scene of the host widget with the
 * character's avatars, the voice (espeak-ng), the ffmpeg sink recording the
 * program — answers two viewers' questions. The recording is read back with
 * ffmpeg: the frames where the avatar's mouth is open (its pixels differ from
 * the silent avatar's) against the audio's loud stretches. One talking stretch
 * per line, starting and ending with its speech (offsets printed, bounded at
 * 200 ms, a few frames), and the mouth never open in silence.
 */
import { assert } from "../../../core/testing.ts";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { testEngine } from "../../../tests/engine.ts";
import type {} from "../mod.ts";
import { decodeAudio, decodeFrames, loudStretches, type Stretch } from "./program.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("espeak-ng", () => commandWorks("espeak-ng", ["--version"]));

const [W, H, FPS] = [320, 180, 30];
/** The avatar's part of the frame (the widget draws it at the left of its box; the caption is right of it). */
const AVATAR: [number, number, number, number] = [0, 0, 112, 180];
/** A pixel this far from the silent avatar's changed; a frame with this many changed is talking. */
const PIXEL_DIFF = 40;
const TALKING_PIXELS = 40;
const MERGE_SECONDS = 0.6;
const BOUND_S = 0.2;

const scene = {
  name: "avatar",
  width: W,
  height: H,
  fps: FPS,
  background: { kind: "color", color: "#101018" },
  quadrants: {
    topLeft: { bounds: [0, 0, 1, 1], padding: 8, items: [{ widget: "host" }] },
    topRight: { bounds: [0.99, 0, 0.01, 0.01], items: [] },
    bottomLeft: { bounds: [0, 0.99, 0.01, 0.01], items: [] },
    bottomRight: { bounds: [0.99, 0.99, 0.01, 0.01], items: [] },
  },
  transition: { kind: "cut", ms: 0 },
};

/** Talking stretches of the frames, in seconds, gaps between words merged. */
function talkingStretches(frames: Uint8Array[], silent: Uint8Array): Stretch[] {
  const out: Stretch[] = [];
  for (const [i, f] of frames.entries()) {
    let changed = 0;
    for (let p = 0; p < f.length; p++) if (Math.abs(f[p] - silent[p]) > PIXEL_DIFF) changed++;
    if (changed < TALKING_PIXELS) continue;
    const [start, end] = [i / FPS, (i + 1) / FPS];
    const last = out.at(-1);
    if (last && start - last.end < MERGE_SECONDS) last.end = end;
    else out.push({ start, end });
  }
  return out;
}

const nyIso = (t: Temporal.ZonedDateTime) =>
  t.toString({ timeZoneName: "never", smallestUnit: "second" });

Deno.test({
  name: "the avatar on the program talks while its voice is heard, and only then",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const scenes = await Deno.makeTempDir({ prefix: "avatar-scene-" });
    await Deno.writeTextFile(`${scenes}/avatar.json`, JSON.stringify(scene));
    const now = Temporal.Now.zonedDateTimeISO("America/New_York");
    const engine = await testEngine({
      embedded: true,
      plugins: {
        compositor: {
          width: W,
          height: H,
          fps: FPS,
          scenesDir: scenes,
          assetsDir: new URL("../../../scenes/assets/", import.meta.url).pathname,
          initialScene: "avatar",
          slateScene: "avatar",
        },
        "widget-host": {},
        voice: {},
        stream: { recording: { enabled: true, segmentSeconds: 300 } },
        "funds-book": {},
        auction: {
          watermark: "clock",
          auctions: [{
            id: "avatar-lot",
            item: "Genesis #1",
            startsAt: nyIso(now.add({ hours: 2 })),
            endsAt: nyIso(now.add({ hours: 3 })),
            reserve: "1 ETH",
          }],
        },
        host: { idleSeconds: 600, character: "pip", repeatWindowMinutes: 0.05 },
      },
    });
    const said: string[] = [];
    let lastLevelAt = 0;
    engine.bus.on("host.said", (e) => void said.push(e.payload.text));
    engine.bus.on("host.speaking", () => void (lastLevelAt = performance.now()));
    const waitUntil = async (check: () => boolean, ms: number, what: string) => {
      const until = performance.now() + ms;
      while (!check()) {
        if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let audio: Int16Array;
    let frames: Uint8Array[];
    try {
      const stream = engine.service<{ stats(): { status: string }; stop(): Promise<void> }>(
        "stream",
      );
      await waitUntil(() => stream.stats().status === "live", 30_000, "the stream");
      await new Promise((r) => setTimeout(r, 2500)); // silence before the first line
      for (
        const [handle, text, tweetId] of [["@dan", "when does it open?", "7"], [
          "@erin",
          "how do I bid?",
          "8",
        ]]
      ) {
        engine.bus.emit("host.question", { handle, text, tweetId });
        await waitUntil(() => said.some((s) => s.startsWith(handle)), 15_000, `${handle}'s answer`);
        await new Promise((r) => setTimeout(r, 500));
        await waitUntil(() => performance.now() - lastLevelAt > 1500, 30_000, "the voice to end");
        await new Promise((r) => setTimeout(r, 1500)); // silence between and after
      }
      await stream.stop();
      const dir = `${engine.dataDir}/stream/recordings`;
      const [file] = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
      assert(file, "nothing recorded");
      audio = await decodeAudio(file);
      frames = await decodeFrames(file, AVATAR, FPS);
    } finally {
      await engine.stop().catch(() => {});
    }
    try {
      const loud = loudStretches(audio);
      // The silent avatar: a frame a second in, before the first line.
      const talking = talkingStretches(frames, frames[FPS]);
      const r = (xs: Stretch[]) =>
        JSON.stringify(xs.map((x) => [+x.start.toFixed(2), +x.end.toFixed(2)]));
      const show = `loud ${r(loud)}, talking ${r(talking)}, frames ${frames.length}`;
      assert(loud.length === 2, `two lines heard: ${show}`);
      assert(talking.length === loud.length, `one talking stretch per line: ${show}`);
      const offsets = loud.map((l, i) => ({
        startMs: Math.round((talking[i].start - l.start) * 1000),
        endMs: Math.round((talking[i].end - l.end) * 1000),
      }));
      console.log(JSON.stringify({ avatarVsVoice: offsets, loud: r(loud), talking: r(talking) }));
      for (const o of offsets) {
        assert(Math.abs(o.startMs) <= BOUND_S * 1000, `mouth opens off the voice: ${show}`);
        // The widget holds the last level 250 ms (LEVEL_HOLD_MS) before it closes the mouth.
        assert(Math.abs(o.endMs) <= BOUND_S * 1000 + 250, `mouth closes off the voice: ${show}`);
      }
    } finally {
      await Deno.remove(scenes, { recursive: true }).catch(() => {});
    }
  },
});
