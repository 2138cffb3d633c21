/**
 * The Chromium comparison: the live scene as an HTML page (live_scene.html)
 * rendered by headless Chromium at 1280x720, frame by frame (tick + JPEG
 * screenshot) and as a screencast (rAF animation, CDP screencast frames), vs
 * our renderer on the same scene. CPU per frame counts every Chromium process
 * (browser, renderer, GPU/utility) plus this driver; ours counts our process.
 *
 *   deno run -A plugins/compositor/bench/chromium.ts [frames=150] [seconds=10]
 * Needs Debian `chromium` at /usr/bin/chromium.
 */
import process from "node:process";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { benchRender } from "./render.ts";
import { fmt } from "./stats.ts";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU ms used so far by every descendant of this process. */
function childrenCpuMs(): number {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(pid, Number(fields[1]));
      cpu.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch { /* exited */ }
  }
  let ticks = 0;
  for (const [pid, t] of cpu) {
    let p = parent.get(pid);
    while (p && p !== Deno.pid && p !== 1) p = parent.get(p);
    if (p === Deno.pid && pid !== Deno.pid) ticks += t;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function pageFile(): Promise<string> {
  const require = createRequire(import.meta.url);
  const fonts = require.resolve("@fontsource/inter/package.json").replace(
    /package\.json$/,
    "files",
  );
  const assets = new URL("../../../scenes/assets/", import.meta.url).pathname;
  const html = (await Deno.readTextFile(new URL("./live_scene.html", import.meta.url)))
    .replaceAll("INTER/", `file://${fonts}/`)
    .replace("ART", `file://${assets}nft/sample.png`)
    .replace("AVATAR", `file://${assets}host/avatar.png`);
  const path = await Deno.makeTempFile({ suffix: ".html" });
  await Deno.writeTextFile(path, html);
  return path;
}

export async function benchChromium(frames: number, seconds: number) {
  const path = await pageFile();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`file://${path}`);
    await page.evaluate(() =>
      (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts
        .ready
    );
    for (let i = 0; i < 10; i++) await page.screenshot({ type: "jpeg", quality: 90 });

    // Frame by frame: change the page, take the frame.
    let c0 = childrenCpuMs();
    let s0 = selfCpuMs();
    let t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      await page.evaluate((n) => (globalThis as unknown as { tick(n: number): void }).tick(n), i);
      await page.screenshot({ type: "jpeg", quality: 90 });
    }
    const shots = {
      frames,
      chromiumMs: (childrenCpuMs() - c0) / frames,
      driverMs: (selfCpuMs() - s0) / frames,
      wallMs: (performance.now() - t0) / frames,
    };

    // Screencast: the page animates itself; Chromium sends the frames it paints.
    const cdp = await page.context().newCDPSession(page);
    let received = 0;
    cdp.on("Page.screencastFrame", (frame) => {
      received++;
      cdp.send("Page.screencastFrameAck", { sessionId: frame.sessionId }).catch(() => {});
    });
    await page.evaluate(() => (globalThis as unknown as { animate(): void }).animate());
    c0 = childrenCpuMs();
    s0 = selfCpuMs();
    t0 = performance.now();
    await cdp.send("Page.startScreencast", {
      format: "jpeg",
      quality: 90,
      maxWidth: 1280,
      maxHeight: 720,
      everyNthFrame: 1,
    });
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await cdp.send("Page.stopScreencast");
    const elapsed = (performance.now() - t0) / 1000;
    const cast = {
      frames: received,
      fps: received / elapsed,
      chromiumMs: (childrenCpuMs() - c0) / Math.max(1, received),
      driverMs: (selfCpuMs() - s0) / Math.max(1, received),
    };
    return { shots, cast };
  } finally {
    await browser.close();
    await Deno.remove(path);
  }
}

if (import.meta.main) {
  const frames = Number(Deno.args[0] ?? 150);
  const seconds = Number(Deno.args[1] ?? 10);
  const ours = await benchRender(1280, 720, 300);
  const { shots, cast } = await benchChromium(frames, seconds);
  const shotsTotal = shots.chromiumMs + shots.driverMs;
  const castTotal = cast.chromiumMs + cast.driverMs;
  console.log(`ours (napi-rs canvas, 720p): CPU ${fmt(ours.cpuMsPerFrame)} ms/frame`);
  console.log(
    `chromium screenshots (720p, ${shots.frames} frames): CPU ${fmt(shotsTotal)} ms/frame ` +
      `(chromium ${fmt(shots.chromiumMs)} + driver ${fmt(shots.driverMs)}), ` +
      `${fmt(shots.wallMs)} ms wall/frame; ratio ${fmt(shotsTotal / ours.cpuMsPerFrame)}x`,
  );
  console.log(
    `chromium screencast (720p, ${cast.frames} frames, ${fmt(cast.fps)} fps): CPU ${
      fmt(castTotal)
    } ms/frame ` +
      `(chromium ${fmt(cast.chromiumMs)} + driver ${fmt(cast.driverMs)}); ratio ${
        fmt(castTotal / ours.cpuMsPerFrame)
      }x`,
  );
}
