/**
 * What watching the preview costs the frame loop: the real engine (auction,
 * compositor at 720p30 with every widget, the panel) with bids landing every
 * 2 s, render time per frame measured with no panel and with one panel
 * watching the Live page in headless Chromium (preview frames at the
 * configured rate), in alternating phases. Prints render median / p99, late
 * frames and the preview rate received, per condition, and the p99 ratio.
 *
 * With `socket` as the third argument the panel is a WebSocket client in its
 * own process that only counts frames (`watch_client.ts`): the engine's own
 * cost, without a browser sharing the machine.
 *
 *   deno run -A admin/bench/preview_cost.ts [seconds per phase=15] [phases=4] [browser|socket]
 */
import type { Compositor } from "../../plugins/compositor/mod.ts";
import type { Frames } from "../../plugins/compositor/mod.ts";
import type { FundsBook } from "../../plugins/funds-book/mod.ts";
import { fmt, summarize } from "../../plugins/compositor/bench/stats.ts";
import {
  browserSignIn,
  ETH,
  launchChromium,
  openAuction,
  panelEngine,
  showPlugins,
} from "../tests/panel_kit.ts";

const seconds = Number(Deno.args[0] ?? 15);
const phases = Number(Deno.args[1] ?? 4);
const watcher = Deno.args[2] === "socket" ? "socket" : "browser";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { voice: _voice, stream: _stream, ...show } = showPlugins();
const engine = await panelEngine({
  plugins: {
    "funds-book": {},
    auction: {
      watermark: "clock",
      rateLimit: { bids: 1000, perSeconds: 60 },
      auctions: [openAuction("bench", "Genesis #3", 2)],
    },
    ...show,
  },
  env: { LOG_LEVEL: "error" },
});
const browser = await launchChromium();
try {
  const book = engine.service<FundsBook>("funds-book");
  await book.link("@bencher", "0x00000000000000000000000000000000000000b1");
  await book.enter("@bencher", "deposit", 10_000n * ETH);
  let bid = 0;
  const bidding = setInterval(() => {
    bid++;
    engine.bus.emit("bid.submitted", {
      tweetId: String(1_000_000 + bid),
      handle: "@bencher",
      text: `bid ${1 + bid / 10}`,
      tweetAt: Temporal.Now.instant().toString(),
      receivedAt: Temporal.Now.instant().toString(),
    } as never);
  }, 2000);

  // Render time of every frame the loop draws, tagged with the condition it was drawn in.
  const compositor = engine.service<Compositor>("compositor");
  const frames = engine.service<Frames>("frames");
  const render = compositor.render.bind(compositor);
  let condition: "off" | "on" | null = null;
  const times = { off: [] as number[], on: [] as number[] };
  compositor.render = (index) => {
    const t = performance.now();
    const frame = render(index);
    if (condition) times[condition].push(performance.now() - t);
    return frame;
  };
  const late = { off: 0, on: 0 };
  const received = { off: 0, on: 0 };

  const { secret, recoveryCodes } = await engine.enrolled("bench", "viewer");
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const signIn = await context.newPage();
  await browserSignIn(signIn, engine.url, "bench", secret, "/admin/auction");
  await signIn.close();
  await sleep(3000); // warm-up

  const session = watcher === "socket"
    ? await engine.signIn("bench", secret, recoveryCodes[0])
    : null;
  for (let p = 0; p < phases; p++) {
    const watching = p % 2 === 1;
    const client = watching && session ? watchClient(engine.url, session) : null;
    if (client) await client.ready;
    const page = watching && !session ? await context.newPage() : null;
    if (page) {
      await page.goto(`${engine.url}/admin/live`);
      await page.waitForSelector("#program[data-index]", { state: "attached" });
      await page.evaluate(() => {
        const w = globalThis as unknown as { n: number };
        w.n = 0;
        const img = (globalThis as unknown as { document: { getElementById(id: string): unknown } })
          .document.getElementById("program") as { dataset: object };
        new (globalThis as unknown as {
          MutationObserver: new (cb: () => void) => { observe(t: unknown, o: unknown): void };
        })
          .MutationObserver(() => void w.n++).observe(img, {
            attributes: true,
            attributeFilter: ["data-shown-at"],
          });
      });
    }
    const key = watching ? "on" : "off";
    const lateBefore = frames.loop.stats().late;
    condition = key;
    await sleep(seconds * 1000);
    condition = null;
    late[key] += frames.loop.stats().late - lateBefore;
    if (page) {
      received.on += await page.evaluate(() => (globalThis as unknown as { n: number }).n);
      await page.close();
      await sleep(500);
    }
    if (client) {
      received.on += await client.stop();
      await sleep(500);
    }
  }
  clearInterval(bidding);
  const off = summarize(times.off);
  const on = summarize(times.on);
  const load = Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(
    `no panel:      ${off.n} frames, render median ${fmt(off.median)} ms, p99 ${
      fmt(off.p99)
    } ms, ` +
      `late ${late.off}`,
  );
  console.log(
    `one panel (${watcher}): ${on.n} frames, render median ${fmt(on.median)} ms, p99 ${
      fmt(on.p99)
    } ms, ` +
      `late ${late.on}, preview ${
        (received.on / (seconds * (phases / 2))).toFixed(1)
      } fps received`,
  );
  console.log(
    `p99 with / without: ${(on.p99 / off.p99).toFixed(3)} (median ${
      (on.median / off.median).toFixed(3)
    }); load ${load}`,
  );
} finally {
  await browser.close();
  await engine.stop();
}

/** The frame-counting client in its own process; `stop` returns the frames it received. */
function watchClient(url: string, s: { cookie: string; csrf: string }) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./watch_client.ts", import.meta.url).pathname,
      url,
      s.cookie,
      s.csrf,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const until = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`watch client ended: ${text}`);
      text += value;
    }
    return text.match(pattern)!;
  };
  return {
    ready: until(/watching/),
    async stop() {
      child.kill("SIGTERM");
      const n = Number((await until(/frames (\d+)/))[1]);
      await child.status;
      return n;
    },
  };
}
