/**
 * `main.ts preview --watch` as an author uses it: a widget plugin of theirs
 * (scaffolded outside the repository, in a scene of their own folder) is on the
 * PNG; an edit of its draw is on the PNG again, without a restart (how soon
 * after the file's change is printed here and measured by `bench/watch.ts`); an edit that makes it throw shows a red box in its
 * slot while the rest of the frame renders as before.
 */
import { assert, assertEquals, assertMatch } from "../../core/testing.ts";
import { decodePng, diffRatio } from "./tests/pixels.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The child's stdout, line by line, each wait bounded. */
function lines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
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
        const next = await Promise.race([
          reader.read(),
          new Promise<null>((r) => timer = setTimeout(() => r(null), left)),
        ]);
        clearTimeout(timer);
        if (next === null) continue;
        if (next.done) throw new Error(`the preview exited; saw:\n${seen.join("\n")}`);
        buffer += next.value;
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** Pixels of the widget's box (overlay item at [0.05, 0.2, 0.3, 0.25] of 1280x720). */
const BOX = { x: 64, y: 144, width: 384, height: 180 };

function count(png: { rgba: Uint8Array; width: number }, test: (p: number[]) => boolean) {
  let n = 0;
  for (let y = BOX.y; y < BOX.y + BOX.height; y++) {
    for (let x = BOX.x; x < BOX.x + BOX.width; x++) {
      const i = (y * png.width + x) * 4;
      if (test([png.rgba[i], png.rgba[i + 1], png.rgba[i + 2]])) n++;
    }
  }
  return n;
}

Deno.test("preview --watch: a widget's edit is on the PNG without a restart; a throw is a red box", async () => {
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
  assertEquals(made.code, 0, new TextDecoder().decode(made.stderr));
  await Deno.mkdir(`${home}/scenes`);
  for (const e of Deno.readDirSync(`${ROOT}scenes`)) {
    if (e.name.endsWith(".json")) {
      await Deno.copyFile(`${ROOT}scenes/${e.name}`, `${home}/scenes/${e.name}`);
    }
  }
  const live = JSON.parse(await Deno.readTextFile(`${home}/scenes/live.json`));
  live.overlay.items.push({ widget: "sparkle", at: [0.05, 0.2, 0.3, 0.25], z: 20 });
  await Deno.writeTextFile(`${home}/scenes/live.json`, JSON.stringify(live));

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
  try {
    await output.until(/^watching/);
    const before = await decodePng(await Deno.readFile(out));
    const magenta = (p: number[]) => p[0] > 200 && p[1] < 60 && p[2] > 200;
    assertEquals(count(before, magenta), 0);
    assert(count(before, (p) => p.every((v) => v > 200)) > 100, "the scaffold's text is drawn");

    const mod = `${home}/sparkle/mod.ts`;
    const source = await Deno.readTextFile(mod);
    await Deno.writeTextFile(
      mod,
      source.replace("g.fillStyle = theme.ink;", 'g.fillStyle = "#ff00ff";'),
    );
    const line = await output.until(/sparkle reloaded/, 30_000);
    const after = Number(line.match(/(\d+) ms after the change/)?.[1]);
    // The figure is measured by bench/watch.ts; here it is shown, not bounded (a loaded machine).
    console.log(`preview --watch: ${line}`);
    assert(Number.isFinite(after), line);
    const edited = await decodePng(await Deno.readFile(out));
    assert(count(edited, magenta) > 100, "the edit is on the PNG");

    await Deno.writeTextFile(
      mod,
      source.replace(
        "const k = box.scale;",
        'const k = box.scale;\n    throw new Error("no such lot");',
      ),
    );
    await output.until(/sparkle reloaded/, 30_000);
    const broken = await decodePng(await Deno.readFile(out));
    const red = (p: number[]) => p[0] > 120 && p[1] < 60 && p[2] < 60;
    assert(count(broken, red) > 0.5 * BOX.width * BOX.height, "its slot is a red box");
    // The rest of the frame: the status card and the bid feed as they were.
    const status = { x: 660, y: 60, width: 600, height: 260 };
    assertEquals(diffRatio(broken.rgba, edited.rgba, 1280, 720, 16, status), 0);
    assertMatch(output.seen.join("\n"), /wrote .*preview\.png \(start\)/);
  } finally {
    await output.cancel();
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await Deno.remove(home, { recursive: true });
  }
});
