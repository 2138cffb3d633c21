/**
 * The avatar talks in sync with its voice, on the program as it goes out: a
 * real engine — the compositor drawing the demo's pre-auction scene at 720p
 * (the host widget with the character's avatars, the other widgets live), the voice (espeak-ng), the ffmpeg sink recording the
 * program — answers two viewers' questions. The recording is read back with
 * ffmpeg: the frames where the avatar's mouth is open (its pixels differ from
 * the silent avatar's) against the audio's loud stretches. One talking stretch
 * per line, starting and ending with its speech (offsets printed, bounded at
 * 200 ms, a few frames), and the mouth never open in silence.
 */
import { assert, eventually } from "../../../core/testing.ts";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { testEngine } from "../../../tests/engine.ts";
import type {} from "../mod.ts";
import type {} from "../../voice/mod.ts";
import { decodeAudio, decodeFrames, loudStretches, type Stretch } from "./program.ts";
import { askTwoQuestions } from "./questions.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("espeak-ng", () => commandWorks("espeak-ng", ["--version"]));

const FPS = 30;
/** A pixel this far from the silent avatar's changed; a frame with this many changed is talking. */
const PIXEL_DIFF = 40;
const TALKING_PIXELS = 20;
const MERGE_SECONDS = 0.6;
const BOUND_S = 0.2;
const SCENES = new URL("../../../scenes/", import.meta.url);

/**
 * Where the shipped pre-auction scene (the demo's first) shows the avatar at 720p: the host item's
 * quadrant, less its padding, and the widget's circle in it (14 px in, the box's height less that
 * twice, at most 40 % of its width; centred top to bottom), as the compositor and widget place them.
 */
async function avatarRegion(): Promise<[number, number, number, number]> {
  const scene = JSON.parse(await Deno.readTextFile(new URL("pre-auction.json", SCENES)));
  const quadrant = Object.values(
    scene.quadrants as Record<string, {
      bounds: number[];
      padding?: number;
      items: Array<{ widget: string; at?: number[] }>;
    }>,
  ).find((q) => q.items.some((i) => i.widget === "host"))!;
  const [fx, fy, fw, fh] = quadrant.bounds;
  const pad = quadrant.padding ?? 12;
  const [qx, qy, qw, qh] = [
    fx * 1280 + pad,
    fy * 720 + pad,
    fw * 1280 - 2 * pad,
    fh * 720 - 2 * pad,
  ];
  const d = Math.min(qh - 28, qw * 0.4);
  const [ax, ay] = [Math.round(qx + 14), Math.round(qy + (qh - d) / 2)];
  return [ax, ay, Math.floor(d), Math.floor(d)];
}

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
    const region = await avatarRegion();
    const now = Temporal.Now.zonedDateTimeISO("America/New_York");
    const engine = await testEngine({
      embedded: true,
      plugins: {
        // The demo's own scenes and widgets, at 720p30; the show starts on the pre-auction scene.
        compositor: { profile: "720p30" },
        "widget-host": {},
        "widget-artwork": {},
        "widget-clock": {},
        "widget-countdown": {},
        "widget-status": {},
        "widget-ticker": {},
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
    const said: Array<{ id: string; text: string }> = [];
    // When the voice last reported a level of each line (from its first audible one).
    const heardAt = new Map<string, number>();
    engine.bus.on(
      "host.said",
      (e) => void said.push({ id: e.payload.utteranceId, text: e.payload.text }),
    );
    engine.bus.on("host.speaking", ({ payload: { utteranceId, level } }) => {
      if (level > 0 || heardAt.has(utteranceId)) heardAt.set(utteranceId, performance.now());
    });
    let audio: Int16Array;
    let frames: Uint8Array[];
    try {
      const stream = engine.service<{ stats(): { status: string }; stop(): Promise<void> }>(
        "stream",
      );
      await eventually(() => stream.stats().status === "live", "the stream", 30_000);
      await new Promise((r) => setTimeout(r, 2500)); // silence before the first line
      // Each answer played through (heard, then no level of it for 1.5 s), then 1.5 s of silence.
      await askTwoQuestions({
        bus: engine.bus,
        said,
        played: (id) => performance.now() - (heardAt.get(id) ?? Infinity) > 1500,
        pauseMs: 1500,
      });
      await stream.stop();
      const dir = `${engine.dataDir}/stream/recordings`;
      const [file] = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
      assert(file, "nothing recorded");
      audio = await decodeAudio(file);
      frames = await decodeFrames(file, region, FPS);
    } finally {
      await engine.stop().catch(() => {});
    }
    {
      const loud = loudStretches(audio);
      // The silent avatar: a frame a second in, before the first line.
      const talking = talkingStretches(frames, frames[FPS]);
      const r = (xs: Stretch[]) =>
        JSON.stringify(xs.map((x) => [+x.start.toFixed(2), +x.end.toFixed(2)]));
      const show = `loud ${r(loud)}, talking ${r(talking)}, frames ${frames.length}`;
      assert(loud.length === 2, `two lines heard: ${show}`);
      // Both lines played through before the recording stopped (silence after the last).
      assert(frames.length / FPS - loud[1].end > 1, `silence after the last line: ${show}`);
      assert(talking.length === loud.length, `one talking stretch per line: ${show}`);
      const offsets = loud.map((l, i) => ({
        startMs: Math.round((talking[i].start - l.start) * 1000),
        endMs: Math.round((talking[i].end - l.end) * 1000),
      }));
      console.log(
        JSON.stringify({ avatarVsVoice: offsets, region, loud: r(loud), talking: r(talking) }),
      );
      for (const o of offsets) {
        assert(Math.abs(o.startMs) <= BOUND_S * 1000, `mouth opens off the voice: ${show}`);
        // The widget holds the last level 250 ms (LEVEL_HOLD_MS) before it closes the mouth.
        assert(Math.abs(o.endMs) <= BOUND_S * 1000 + 250, `mouth closes off the voice: ${show}`);
      }
    }
  },
});
