/**
 * The host's speech reaches the stream's audio track: a real engine (the
 * auction, the host, espeak-ng through the voice plugin, the ffmpeg sink
 * recording the program) answers two viewers' questions; the recording is
 * read back with ffmpeg. The audio is loud exactly where a line was spoken and
 * silent everywhere else: one loud stretch per line said, starting when the
 * voice started playing it (one offset for all lines, within 120 ms), as long
 * as the line's own speech synthesized apart (within 150 ms).
 */
import { assert, eventually } from "../../../core/testing.ts";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { testEngine } from "../../../tests/engine.ts";
import { SAMPLE_RATE, speech } from "../../voice/speech.ts";
import { decodeAudio, loudStretches } from "./program.ts";
import { askTwoQuestions } from "./questions.ts";
// Types only: the events of the host and the voice.
import type {} from "../mod.ts";
import type {} from "../../voice/mod.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("espeak-ng", () => commandWorks("espeak-ng", ["--version"]));

const nyIso = (t: Temporal.ZonedDateTime) =>
  t.toString({ timeZoneName: "never", smallestUnit: "second" });

Deno.test({
  name:
    "host audio: each line said is loud in the recorded program where it was played, silence elsewhere",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const now = Temporal.Now.zonedDateTimeISO("America/New_York");
    const engine = await testEngine({
      embedded: true,
      plugins: {
        "../plugins/stream/tests/synthetic_frames.ts": { width: 320, height: 180, fps: 30 },
        voice: {},
        stream: { recording: { enabled: true, segmentSeconds: 300 } },
        "funds-book": {},
        auction: {
          watermark: "clock",
          auctions: [{
            id: "audio-lot",
            item: "Genesis #1",
            startsAt: nyIso(now.add({ hours: 2 })),
            endsAt: nyIso(now.add({ hours: 3 })),
            reserve: "1 ETH",
          }],
        },
        // Both answers are the same before the opening: a 3 s repeat window lets the second be said.
        host: { idleSeconds: 600, character: "marlowe", repeatWindowMinutes: 0.05 },
      },
    });
    const said: Array<
      { id: string; text: string; voice: { name: string; speed: number; pitch: number } }
    > = [];
    // When the voice played each line: its first audible level, and its last level report
    // (a level of 0 also comes between words, so the end is the last report, ~30 a second).
    const played = new Map<string, { start: number; end: number }>();
    engine.bus.on(
      "host.said",
      (e) =>
        void said.push({
          id: e.payload.utteranceId,
          text: e.payload.text,
          voice: e.payload.voice!,
        }),
    );
    engine.bus.on("host.speaking", ({ payload: { utteranceId, level } }) => {
      const t = performance.now() / 1000;
      const p = played.get(utteranceId);
      if (p) p.end = t;
      else if (level > 0) played.set(utteranceId, { start: t, end: t });
    });
    const allPlayed = () =>
      said.length > 0 &&
      said.every((s) => performance.now() / 1000 - (played.get(s.id)?.end ?? Infinity) > 0.5);
    let pcm: Int16Array;
    try {
      const stream = engine.service<{ stats(): { status: string }; stop(): Promise<void> }>(
        "stream",
      );
      await eventually(() => stream.stats().status === "live", "the stream", 30_000);
      await new Promise((r) => setTimeout(r, 2000)); // silence before the first line
      // Two viewers' questions, answered on stream by the host (as the x plugin hands them over);
      // each waited for until every line said so far has played, then 2 s of silence.
      await askTwoQuestions({ bus: engine.bus, said, played: allPlayed, pauseMs: 2000 });
      await stream.stop();
      const dir = `${engine.dataDir}/stream/recordings`;
      const [file] = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
      assert(file, "nothing recorded");
      pcm = await decodeAudio(file);
    } finally {
      await engine.stop().catch(() => {});
    }

    const loud = loudStretches(pcm);
    const lines = said.map((s) => ({ ...s, played: played.get(s.id)! }));
    const show = () =>
      `loud ${JSON.stringify(loud.map((x) => [+x.start.toFixed(2), +x.end.toFixed(2)]))}, lines ${
        JSON.stringify(lines.map((l) => [l.text, +(l.played.end - l.played.start).toFixed(2)]))
      }`;
    assert(lines.length >= 2, show());
    // One loud stretch per line: nothing loud before, between or after the lines.
    assert(loud.length === lines.length, show());
    const offset = loud[0].start - lines[0].played.start;
    for (const [i, line] of lines.entries()) {
      // Its own speech synthesized apart: where it is loud from its first sample.
      const own = loudStretches(
        await speech(line.text, {
          espeak: "espeak-ng",
          voice: line.voice.name,
          wordsPerMinute: line.voice.speed,
          pitch: line.voice.pitch,
        }),
      );
      const [first, last] = [own[0].start, own.at(-1)!.end];
      const startsAt = line.played.start + offset;
      assert(Math.abs(loud[i].start - first - startsAt) < 0.12, `line ${i} starts late: ${show()}`);
      const long = loud[i].end - loud[i].start;
      assert(Math.abs(long - (last - first)) < 0.15, `line ${i} lasts ${long} s: ${show()}`);
    }
    const total = pcm.length / SAMPLE_RATE;
    assert(loud[0].start > 1, `the program was silent before the first line: ${show()}`);
    assert(total - loud.at(-1)!.end > 1, `silence after the last line (${total} s): ${show()}`);
  },
});
