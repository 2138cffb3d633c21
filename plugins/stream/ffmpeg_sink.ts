/**
 * The ffmpeg sink and its supervisor. Video frames go to ffmpeg's stdin through
 * a small queue (a full queue drops and counts, the frame loop never waits);
 * audio goes through a Unix socket from its own pump; neither writer waits on
 * the other. Video timing is the frame loop's slot index (skipped slots are
 * filled by repeating the frame) and audio timing is the sample count since the
 * run's first frame, so both follow the same monotonic clock. The audio sent is
 * paced by the video (paced_audio.ts): slots the video skips, when the encoder
 * is slower than real time, skip their audio too, so the two never drift.
 *
 * ffmpeg is restarted when it exits or stops making progress (the ingest
 * dropped), after OBS's back-off, while the frame loop keeps running.
 */
import { type FrameSink, queuedSink } from "../../core/frame_loop.ts";
import type { Log } from "../../core/log.ts";
import type { Frame } from "../compositor/mod.ts";
import type { AudioPump } from "./audio_pump.ts";
import { type PacedAudio, pacedAudio } from "./paced_audio.ts";
import { widenStdinPipe } from "./pipe_size.ts";
import { type Backoff, backoff } from "./backoff.ts";
import { type EncoderProgress, progressParser } from "./progress.ts";
import type { TestSignal } from "./test_signal.ts";

export interface FfmpegSinkOptions {
  ffmpeg: string;
  /** The command line for a run whose audio socket is at `audioSocket`. */
  args(audioSocket: string): string[];
  width: number;
  height: number;
  fps: number;
  audio: AudioPump;
  log: Log;
  /** Frames waiting for ffmpeg before new ones are dropped. */
  queueLimit?: number;
  /** Kill a run whose output has not advanced for this long (a silent ingest drop). */
  stallMs?: number;
  backoff?: Backoff;
  /** Text to hide in anything logged from ffmpeg (the stream key). */
  secret?: string;
  /** Bytes of the current run's local recording, when recording. */
  recordingBytes?: () => number;
  /** The A/V sync test signal, drawn into the frames and mixed into the audio sent. */
  signal?: TestSignal;
  /** Sample rate of the audio pump (for the signal's beep). */
  audioRate?: number;
  /** The frame loop's clock of its slots (`performance.now()` scale); else estimated from arrivals. */
  slotTime?: (index: number) => number;
}

export interface FfmpegSink {
  sink: FrameSink<Frame>;
  /** True while ffmpeg's output advanced recently. */
  live(): boolean;
  /** Runs started after the first. */
  restarts(): number;
  progress(): EncoderProgress | null;
  /** Stops the current run and restarts no more. */
  stop(): Promise<void>;
}

interface Run {
  child: Deno.ChildProcess;
  video: WritableStreamDefaultWriter<Uint8Array>;
  /** Slot index of the last frame written. */
  lastIndex?: number;
  audioConn?: Deno.UnixConn;
  audioWriter?: WritableStreamDefaultWriter<Uint8Array>;
  /** The run's audio, from its first frame's slot, as far as the video has shown. */
  audio?: PacedAudio;
  audioWriting: boolean;
  progress: EncoderProgress | null;
  advancedAt: number;
}

export function ffmpegSink(o: FfmpegSinkOptions): FfmpegSink {
  const frameBytes = o.width * o.height * 4;
  const policy = o.backoff ?? backoff();
  let run: Run | undefined;
  let lastProgress: EncoderProgress | null = null;
  let starts = 0;
  let stopped = false;
  let wrongSize = false;
  let narrowPipeSaid = false;
  let cancelWait = () => {};
  let wake = () => {};

  const writeFrame = async (frame: Frame, index: number) => {
    const r = run;
    if (!r) return;
    if (frame.rgba.byteLength !== frameBytes) {
      if (!wrongSize) {
        o.log.error("frame has the wrong size; not sent", { bytes: frame.rgba.byteLength });
      }
      wrongSize = true;
      return;
    }
    if (r.lastIndex === undefined) startAudio(r, index);
    // Skipped slots (late, or dropped from the queue) keep their time: the frame before is
    // repeated for them (at most a second's worth), so this one is shown at its own slot.
    // (Repeating this one instead showed it up to a second early: the flash before the beep.)
    const gap = r.lastIndex === undefined ? 0 : Math.min(o.fps, index - r.lastIndex) - 1;
    const before = r.lastIndex === undefined ? frame.rgba : (held ?? frame.rgba);
    r.lastIndex = index;
    // Released before the frames are written: ffmpeg never waits for audio behind its video.
    // Slots beyond the repeats are skipped on both tracks (an encoder slower than real time).
    r.audio?.show(index - gap, index + 1);
    void flushAudio(r);
    try {
      for (let c = gap; c >= 0; c--) {
        const bytes = c > 0 ? before : frame.rgba;
        // The test signal is drawn per slot, so a flash survives its own frames being dropped.
        if (o.signal?.flashes(index - c)) {
          scratch ??= new Uint8Array(frameBytes);
          scratch.set(bytes);
          o.signal.flash(scratch, o.width, o.height);
          await r.video.write(scratch);
        } else await r.video.write(bytes);
      }
    } catch {
      // ffmpeg went away; the supervisor sees its exit.
    }
    hold(frame.rgba);
  };

  const slotAt = (index: number) =>
    o.slotTime ? o.slotTime(index) : slotOrigin + (index * 1000) / o.fps;
  /** The run's audio starts at its first frame's slot, not at when that frame reached us. */
  const startAudio = (r: Run, firstSlot: number) => {
    const rate = o.audioRate ?? 48000;
    const paced = pacedAudio({ rate, fps: o.fps, firstSlot, slotTime: slotAt });
    r.audio = paced;
    const unlisten = o.audio.listen((chunk, startMs) => {
      if (run !== r) return unlisten();
      o.signal?.mix(chunk, startMs, rate);
      paced.add(chunk, startMs);
      void flushAudio(r);
    });
  };

  const flushAudio = (r: Run) => writeAudio(r, () => run === r);

  const runOnce = () =>
    runFfmpeg(o, {
      started(r) {
        run = r;
        starts++;
      },
      ended() {
        run = undefined;
      },
      progressed(p) {
        lastProgress = p;
      },
      audioReady: (r) => void flushAudio(r),
      narrowPipe() {
        if (narrowPipeSaid) return;
        narrowPipeSaid = true;
        o.log.warn("the pipe to ffmpeg could not be widened; frames pass in 64 KiB steps");
      },
    });

  /** Real time, not the engine's clock: ffmpeg and the ingest live in real time. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      const timer = setTimeout(resolve, ms);
      cancelWait = () => clearTimeout(timer);
    });
  const supervising = superviseRuns(runOnce, policy, o.log, () => stopped, pause);

  // Frames are only lent (Frame.rgba): the queue holds copies, in buffers it reuses
  // so that a steady stream allocates nothing.
  const spare: Uint8Array[] = [];
  let held: Uint8Array | undefined;
  /** The frame loop's origin on the wall clock, estimated: a frame never arrives before its slot. */
  let slotOrigin = Infinity;
  let scratch: Uint8Array | undefined;
  function hold(rgba: Uint8Array) {
    if (held && held !== rgba) spare.push(held);
    held = rgba;
  }
  const sink = queuedSink<Frame>("ffmpeg", writeFrame, {
    limit: o.queueLimit ?? 3,
    keep(frame) {
      if (frame.rgba.byteLength !== frameBytes) return frame; // refused by writeFrame
      const rgba = spare.pop() ?? new Uint8Array(frameBytes);
      rgba.set(frame.rgba);
      // A frame never arrives before its slot: the signal's clock is estimated from arrivals.
      slotOrigin = Math.min(slotOrigin, performance.now() - (frame.index * 1000) / o.fps);
      o.signal?.frame(frame.index, performance.now());
      return { rgba, index: frame.index };
    },
    release(frame) {
      // The last frame written stays out of the spares: it fills the next gap.
      if (frame.rgba.byteLength === frameBytes && frame.rgba !== held) spare.push(frame.rgba);
    },
  });
  return {
    sink,
    live: () => !!run?.progress && performance.now() - run.advancedAt < 3000,
    restarts: () => Math.max(0, starts - 1),
    progress: () => lastProgress,
    async stop() {
      stopped = true;
      cancelWait();
      wake();
      const r = run;
      if (r) {
        const ended = askToEnd(r);
        await supervising;
        ended();
      }
      await supervising;
    },
  };
}

/** Writes the run's audio that the video has shown, while the run is `current`; one writer at a time. */
async function writeAudio(r: Run, current: () => boolean) {
  if (r.audioWriting || !r.audioWriter) return;
  r.audioWriting = true;
  try {
    for (let due = r.audio?.take(); due && current(); due = r.audio?.take()) {
      await r.audioWriter.write(new Uint8Array(due.buffer, due.byteOffset, due.byteLength));
    }
  } catch {
    // ffmpeg went away; the supervisor sees its exit.
  } finally {
    r.audioWriting = false;
  }
}

/** Runs ffmpeg again and again until stopped, waiting between runs as `policy` says. */
async function superviseRuns(
  runOnce: () => Promise<Ended>,
  policy: Backoff,
  log: Log,
  stopped: () => boolean,
  pause: (ms: number) => Promise<void>,
) {
  while (!stopped()) {
    let ended;
    try {
      ended = await runOnce();
    } catch (error) {
      ended = { code: -1, signal: null, ms: 0, tail: [String(error)] };
    }
    if (stopped()) break;
    const waitMs = policy.next(ended.ms);
    log.warn("ffmpeg exited; restarting", {
      code: ended.code,
      signal: ended.signal,
      ranMs: Math.round(ended.ms),
      retryInMs: waitMs,
      stderr: ended.tail.join(" | "),
    });
    await pause(waitMs);
  }
}

/**
 * Closing both inputs and SIGINT: ffmpeg stops reading, writes its trailers and ends the
 * stream cleanly without encoding what it had not read yet (a stop must be quick); SIGKILL
 * if it lingers (the recording's segments are fragmented: a kill loses a second). Returns
 * what clears the timers once the run has ended.
 */
function askToEnd(r: Run): () => void {
  const signal = (name: Deno.Signal) => {
    try {
      r.child.kill(name);
    } catch { /* gone */ }
  };
  const timers = [setTimeout(() => signal("SIGINT"), 0), setTimeout(() => signal("SIGKILL"), 800)];
  r.video.close().catch(() => {});
  r.audioWriter?.close().catch(() => {});
  return () => timers.forEach(clearTimeout);
}

/** What a run tells the sink: it started, it ended, it progressed, its audio connected. */
interface RunHooks {
  started(r: Run): void;
  ended(): void;
  progressed(p: EncoderProgress): void;
  audioReady(r: Run): void;
  /** The pipe to ffmpeg stayed at 64 KiB. */
  narrowPipe(): void;
}

interface Ended {
  code: number;
  signal: Deno.Signal | null;
  ms: number;
  tail: string[];
}

/**
 * One ffmpeg run, from spawn to exit: its audio socket, its progress read from stdout, the
 * last lines of its stderr (scrubbed of the secret), and a watchdog that kills it when its
 * output stops advancing for `stallMs`.
 */
async function runFfmpeg(o: FfmpegSinkOptions, hooks: RunHooks): Promise<Ended> {
  const stallMs = o.stallMs ?? 10_000;
  const scrub = (text: string) => (o.secret ? text.split(o.secret).join("****") : text);
  const dir = await Deno.makeTempDir({ prefix: "sothebais-stream-" });
  const socketPath = `${dir}/audio.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(o.ffmpeg, {
      args: o.args(socketPath),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    listener.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  // Frames hand over in 1 MiB, not 64 KiB, steps: 8 wake-ups a 1080p frame instead of 128.
  if (widenStdinPipe(child.pid) === null) hooks.narrowPipe();
  const r: Run = {
    child,
    video: child.stdin.getWriter(),
    audioWriting: false,
    progress: null,
    advancedAt: performance.now(),
  };
  hooks.started(r);
  const started = performance.now();
  listener.accept().then((conn) => {
    r.audioConn = conn;
    r.audioWriter = conn.writable.getWriter();
    hooks.audioReady(r);
  }, () => {});
  const measureOutput = o.recordingBytes ? growthRate(o.recordingBytes) : () => undefined;
  const parse = progressParser((p) => {
    if (p.outTimeUs > (r.progress?.outTimeUs ?? 0)) r.advancedAt = performance.now();
    // Through tee ffmpeg reports no size; the recording's growth is the same packets.
    const measured = measureOutput();
    if (!p.bitrateKbps && measured !== undefined) p.bitrateKbps = measured;
    r.progress = p;
    hooks.progressed(p);
  });
  const readProgress = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => parse(chunk) }),
  ).catch(() => {});
  const tail: string[] = [];
  const readErrors = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        for (const line of chunk.split("\n")) {
          if (line.trim()) tail.push(scrub(line.trim()));
        }
        tail.splice(0, Math.max(0, tail.length - 8));
      },
    }),
  ).catch(() => {});
  const watchdog = setInterval(() => {
    if (performance.now() - r.advancedAt > stallMs) {
      o.log.warn("ffmpeg output stalled; restarting it", { stalledMs: stallMs });
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }, 1000);
  const status = await child.status;
  clearInterval(watchdog);
  hooks.ended();
  await Promise.allSettled([readProgress, readErrors]);
  r.video.releaseLock();
  try {
    listener.close();
  } catch { /* closed */ }
  try {
    r.audioConn?.close();
  } catch { /* closed */ }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return { code: status.code, signal: status.signal, ms: performance.now() - started, tail };
}

/**
 * kbit/s that `bytes()` grew by over about the last 3 s; undefined at first.
 * Tee writes the same packets to the ingest and to the recording, and stops the
 * run when the ingest fails, so the recording grows at the stream's rate
 * (its fragments are cut at least every second).
 */
function growthRate(bytes: () => number): () => number | undefined {
  const samples: Array<{ at: number; bytes: number }> = [];
  return () => {
    const now = { at: performance.now(), bytes: bytes() };
    samples.push(now);
    while (samples.length > 2 && now.at - samples[1].at >= 3000) samples.shift();
    const first = samples[0];
    if (now.at - first.at < 900) return undefined;
    return Math.max(0, Math.round(((now.bytes - first.bytes) * 8) / (now.at - first.at) * 10) / 10);
  };
}
