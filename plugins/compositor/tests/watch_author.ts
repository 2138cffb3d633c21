/**
 * An author's setup for `preview --watch`, shared by its test and its benchmark:
 * a folder outside the repository with a config file, a widget scaffolded by
 * `main.ts new widget sparkle`, the project's scenes with the widget in the live
 * scene's overlay, and the preview running on them; its stdout read line by
 * line, each wait bounded. The edits the tests make to the scaffold, and the
 * pixels of the widget's box they count.
 */
import { assert, assertEquals, eventually } from "../../../core/testing.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** The child's stdout, line by line, each wait bounded. */
export function lines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  // A read that lost a race to the deadline is kept for the next wait, not dropped.
  let pending: ReturnType<typeof reader.read> | undefined;
  let buffer = "";
  const seen: string[] = [];
  return {
    seen,
    async until(pattern: RegExp, ms = 90_000): Promise<string> {
      const deadline = Date.now() + ms;
      while (true) {
        const nl = buffer.indexOf("\n");
        if (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          seen.push(line);
          if (pattern.test(line)) return line;
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no line matching ${pattern}; saw:\n${seen.join("\n")}`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        pending ??= reader.read();
        const next = await Promise.race([
          pending,
          new Promise<null>((r) => timer = setTimeout(() => r(null), left)),
        ]);
        clearTimeout(timer);
        if (next === null) continue;
        pending = undefined;
        if (next.done) throw new Error(`the preview exited; saw:\n${seen.join("\n")}`);
        buffer += decoder.decode(next.value, { stream: true });
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** The sparkle widget's box in the live scene (overlay item at [0.05, 0.2, 0.3, 0.25] of 1280x720). */
export const BOX = { x: 64, y: 144, width: 384, height: 180 };

type Rgb = number[];
export const isMagenta = ([r, g, b]: Rgb) => r > 200 && g < 60 && b > 200;
export const isCyan = ([r, g, b]: Rgb) => r < 60 && g > 200 && b > 200;

/** Pixels of the sparkle's box in a frame (`width` wide, RGBA) that pass `test`. */
export function countInBox(rgba: Uint8Array, test: (p: Rgb) => boolean, width = 1280): number {
  let n = 0;
  for (let y = BOX.y; y < BOX.y + BOX.height; y++) {
    for (let x = BOX.x; x < BOX.x + BOX.width; x++) {
      const i = (y * width + x) * 4;
      if (test([rgba[i], rgba[i + 1], rgba[i + 2]])) n++;
    }
  }
  return n;
}

/** `source` with `from` replaced by `to`; throws when the scaffold no longer has `from`. */
function edit(source: string, ...pairs: [string, string][]): string {
  for (const [from, to] of pairs) {
    if (!source.includes(from)) throw new Error(`the scaffold has no "${from}" to edit`);
    source = source.replace(from, to);
  }
  return source;
}

/** The scaffold's amount drawn magenta: the same length as the line it replaces. */
export const drawMagenta = (source: string) =>
  edit(source, ["g.fillStyle = theme.ink;", 'g.fillStyle = "#ff00ff";']);

/**
 * The scaffold reading a bus event its plugin (as loaded) does not listen to: a rejected bid
 * lights the amount magenta; until one comes it is cyan (the new code is on).
 */
const readRejections = (source: string) =>
  edit(
    source,
    ["init: () => ({ bids: 0,", "init: () => ({ lit: false, bids: 0,"],
    [
      '"bid.accepted": (s, e) => {',
      '"bid.rejected": (s) => void (s.lit = true),\n      "bid.accepted": (s, e) => {',
    ],
    ["g.fillStyle = theme.ink;", 'g.fillStyle = s.lit ? "#ff00ff" : "#00ffff";'],
  );

/** A `bid.rejected` payload as the auction emits it. */
const REJECTED = {
  auctionId: "lot-1",
  tweetId: "t-9",
  handle: "@late",
  reason: "closed",
  message: "the auction has closed",
  at: "2026-11-25T19:30:00-05:00",
} as const;

/**
 * Saves `readRejections` of the scaffold's `source` into the widget's `mod`. With `emit`: waits
 * (bounded) for frames of the new code, emits a rejected bid, and checks the very next frame shows
 * it heard it. Without: a rejection went by before the save (the sample show has some), and the
 * new code starts from it.
 */
export async function hearsNewEventType(o: {
  mod: string;
  source: string;
  frame: () => Uint8Array;
  emit?: (type: "bid.rejected", payload: typeof REJECTED) => void;
}): Promise<void> {
  await Deno.writeTextFile(o.mod, readRejections(o.source));
  const lit = () => countInBox(o.frame(), isMagenta) > 100;
  if (!o.emit) {
    return void await eventually(lit, "the new code lit by an earlier rejection", 20_000);
  }
  await eventually(() => countInBox(o.frame(), isCyan) > 100, "the new code drawn", 20_000, 50);
  assertEquals(countInBox(o.frame(), isMagenta), 0, "no rejection yet");
  o.emit("bid.rejected", REJECTED);
  assert(lit(), "the next frame shows the rejection it heard");
}

/** The author's folder: `show.json`, `sparkle/` (scaffolded), `scenes/` (live.json shows sparkle). */
export async function authorFolder(): Promise<{ home: string; config: string }> {
  const home = await Deno.makeTempDir({ prefix: "widget-author-" });
  const config = `${home}/show.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      sothebais: {
        plugins: [{ module: `${ROOT}plugins/compositor/mod.ts`, config: { run: false } }],
      },
    }),
  );
  const made = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "main.ts",
      "new",
      "widget",
      "sparkle",
      "--dir",
      `${home}/sparkle`,
      "--config",
      config,
    ],
    cwd: ROOT,
    signal: AbortSignal.timeout(120_000),
  }).output();
  if (made.code !== 0) throw new Error(new TextDecoder().decode(made.stderr));
  await Deno.mkdir(`${home}/scenes`);
  for (const e of Deno.readDirSync(`${ROOT}scenes`)) {
    if (e.name.endsWith(".json")) {
      await Deno.copyFile(`${ROOT}scenes/${e.name}`, `${home}/scenes/${e.name}`);
    }
  }
  const live = JSON.parse(await Deno.readTextFile(`${home}/scenes/live.json`));
  live.overlay.items.push({ widget: "sparkle", at: [0.05, 0.2, 0.3, 0.25], z: 20 });
  await Deno.writeTextFile(`${home}/scenes/live.json`, JSON.stringify(live));
  return { home, config };
}

export async function watchingAuthor() {
  const { home, config } = await authorFolder();
  const out = `${home}/preview.png`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "main.ts",
      "preview",
      "--watch",
      "--config",
      config,
      "--scenes",
      `${home}/scenes`,
      "--out",
      out,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
    signal: AbortSignal.timeout(240_000),
  }).spawn();
  const output = lines(child.stdout);
  return {
    home,
    out,
    mod: `${home}/sparkle/mod.ts`,
    output,
    async stop() {
      await output.cancel();
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await Deno.remove(home, { recursive: true });
    },
    pid: child.pid,
  };
}
