/**
 * End to end: 10 s of 720p30 from the engine to a real nginx-rtmp on loopback,
 * read back with ffprobe.
 */
import { eventually } from "../../../core/testing.ts";
import assert from "node:assert/strict";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { nginxRtmp, nginxRtmpAvailable } from "./nginx_rtmp.ts";
import { ffprobe, streamEngine } from "./stream_engine.ts";

const ready = await serviceAvailable("ffmpeg", () => commandWorks("ffmpeg")) &&
  await serviceAvailable("ffprobe", () => commandWorks("ffprobe")) &&
  await serviceAvailable("nginx-rtmp", nginxRtmpAvailable);

Deno.test({
  name: "stream: 10 s to nginx-rtmp reads back as 1280x720 30 fps h264 + aac, keyframes every 3 s",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const nginx = await nginxRtmp();
    const key = "sk-live-0123456789abcdef";
    const engine = await streamEngine({
      rtmpUrl: "${RTMP_URL}",
      streamKey: "${STREAM_KEY}",
      recording: { enabled: true, segmentSeconds: 4 },
    }, {
      RTMP_URL: nginx.url,
      STREAM_KEY: key,
    });
    try {
      await eventually(() => engine.latest()?.status === "live", "live", 15_000, 100);
      engine.bus.emit("host.said", { text: "Welcome to the auction.", utteranceId: "u1" });
      const liveAt = performance.now();
      await eventually(() => performance.now() - liveAt > 10_000, "10 s of stream", 11_000, 100);
      const live = engine.latest()!;
      assert.deepEqual(live.status, "live");
      assert(["libx264", "h264_nvenc"].includes(live.encoder!), `encoder ${live.encoder}`);
      assert(live.outputKbps > 1000, `output ${live.outputKbps} kbit/s`);
      assert(live.encoderSpeed > 0.9, `encoder speed ${live.encoderSpeed}`);
      assert.deepEqual(live.restarts, 0);

      // The local recording, teed beside the stream: 4 s MP4 segments under the data folder.
      const dir = `${engine.dataDir}/stream/recordings`;
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert(names.length >= 2, `segments: ${names}`);
      for (const name of names) assert.match(name, /^program-\d{8}-\d{6}\.mp4$/);
      for (const name of names.slice(0, -1)) { // the newest is still being written
        const mp4 = await ffprobe(["-show_streams", "-show_format", `${dir}/${name}`]);
        assert.deepEqual(mp4.streams!.map((s) => s.codec_name).sort(), ["aac", "h264"]);
        const seconds = Number(mp4.format!.duration);
        assert(seconds > 3 && seconds < 6.5, `${name}: ${seconds} s`);
      }
    } finally {
      await engine.stop();
      await nginx.stop();
    }
    assert(!engine.logs.some((l) => l.includes(key)), "the stream key reached the log");
    assert(engine.logs.some((l) => l.includes("rtmp://127.0.0.1")), "the ingest is logged");

    const [file] = [...Deno.readDirSync(nginx.recordDir)].map((e) =>
      `${nginx.recordDir}/${e.name}`
    );
    assert(file, "nginx recorded nothing");
    const info = await ffprobe(["-show_streams", "-show_format", file]);
    const video = info.streams!.find((s) => s.codec_type === "video")!;
    const audio = info.streams!.find((s) => s.codec_type === "audio")!;
    assert.deepEqual([video.codec_name, video.width, video.height], ["h264", 1280, 720]);
    assert.deepEqual(video.pix_fmt, "yuv420p");
    assert.deepEqual([audio.codec_name, audio.sample_rate], ["aac", "48000"]);
    assert(Number(info.format!.duration) >= 10, `duration ${info.format!.duration}`);

    const packets = await ffprobe([
      "-select_streams",
      "v",
      "-show_entries",
      "packet=pts_time,flags",
      file,
    ]);
    // FLV keeps millisecond timestamps (33, 33, 34, …), so count frames over time.
    const times = packets.packets!.map((p) => Number(p.pts_time));
    const fps = (times.length - 1) / (times.at(-1)! - times[0]);
    assert(Math.abs(fps - 30) < 0.1, `${fps} fps`);
    const keys = packets.packets!.filter((p) => p.flags?.startsWith("K")).map((p) =>
      Number(p.pts_time)
    );
    assert(keys.length >= 4, `keyframes at ${keys}`);
    for (let i = 1; i < keys.length; i++) {
      assert(Math.abs(keys[i] - keys[i - 1] - 3) < 0.04, `keyframes at ${keys}`);
    }

    // Audio and video end together: both follow the same clock.
    const audioPackets = await ffprobe([
      "-select_streams",
      "a",
      "-show_entries",
      "packet=pts_time",
      file,
    ]);
    const audioEnd = Number(audioPackets.packets!.at(-1)!.pts_time);
    assert(
      Math.abs(audioEnd - times.at(-1)!) < 0.15,
      `audio ends ${audioEnd}, video ${times.at(-1)}`,
    );

    // The host's speech made it into the audio track.
    const loud = await new Deno.Command("ffmpeg", {
      args: ["-hide_banner", "-i", file, "-map", "0:a", "-af", "volumedetect", "-f", "null", "-"],
      stdout: "null",
      stderr: "piped",
    }).output();
    const max = /max_volume: (-?[\d.]+) dB/.exec(new TextDecoder().decode(loud.stderr));
    assert(max && Number(max[1]) > -30, `speech missing from the audio: ${max?.[0]}`);
    await nginx.remove();
  },
});
