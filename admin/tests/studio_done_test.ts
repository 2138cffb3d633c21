/// <reference lib="dom" />
/**
 * Done when, tried as a new admin would, in headless Chromium against the demo
 * show as `deno task start` runs it (`main.ts start` in its own process: the
 * project's plugin list with the embedded chain, the fake X, the simulated
 * crowd and the demo's enrolment of its bidders), the studio's files in a
 * folder of the test's own: the setup link from `main.ts admin add` →
 * enrolment → sign-in; a two-day campaign written in the Campaigns page (today
 * closing a few minutes from now), its second day rehearsed there, saved; an
 * artwork uploaded in Assets; the live scene edited in the Scenes form to show
 * it and saved — the running show's frames draw it; the host's character edited
 * and saved in Host — the running host speaks as it; the crowd's bids decided
 * and followed by a bidder on a phone on `/` (no horizontal scroll, every
 * decision on the page, 95 % within 1 s of the time the engine recorded it) to
 * the close; then the day's report in Reports agrees with the public bid log
 * and with what the phone shows.
 *
 * Two changes to the shipped demo, each said where it is made: the demo's own
 * lot opens half an hour after the start (so the campaign's lot is the one live
 * auction, which bids without a hashtag go to, and the one `/` shows), and the
 * crowd bids faster (as in the operator test).
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { createCanvas } from "@napi-rs/canvas";
import { decodePng } from "../../plugins/compositor/tests/pixels.ts";
import { anvilAvailable } from "../../plugins/chain/tests/chain_kit.ts";
import { writeDemoConfig } from "../../tests/cli.ts";
import { testStorage } from "../../tests/engine.ts";
import { commandWorks, serviceAvailable } from "../../tests/services.ts";
import {
  ARTIFACTS,
  browserEnrol,
  chromiumReady,
  cliAddAccount,
  freePort,
  launchChromium,
  median,
  startShow,
  watchTweets,
} from "./panel_kit.ts";

const ready = (await chromiumReady()) && (await anvilAvailable());
const espeak = await serviceAvailable("espeak-ng", () => commandWorks("espeak-ng", ["--version"]));
const ROOT = new URL("../../", import.meta.url).pathname;
/** How long today's lot stays open after the campaign is written (whole minutes in the form). */
const LOT_MINUTES = 4;

async function copyFolder(from: string, to: string) {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyFolder(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile && !e.name.endsWith(".previous")) {
      await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
    }
  }
}

const noHorizontalScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

/** The value `share` of `values` are at or below. */
const percentile = (values: number[], share: number) =>
  [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil(values.length * share) - 1)];

const getJson = async (url: string) =>
  await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json();

interface Receipt {
  tweetId: string;
  handle: string;
  decidedAt: string;
  decision: string;
  reason: string | null;
  action: string | null;
  proxy: boolean;
}

/** The demo's plugins, with the studio's files in `work` and the two changes the header names. */
function studioShow(work: string, url: string): string {
  return writeDemoConfig(`${work}/show.json`, (name, config) => {
    if (name === "demo") config.preMinutes = 30; // its own lot waits: ours is the live one
    if (name === "x-simulator") config.rates = { bidsPerMinute: 40, questionsPerMinute: 0 };
    if (name === "host") config.character = `${work}/marlowe.json`;
    if (name === "compositor") {
      Object.assign(config, { scenesDir: `${work}/scenes`, assetsDir: `${work}/scenes/assets` });
    }
    if (name === "admin") {
      Object.assign(config, {
        publicUrl: url,
        scenesDir: `${work}/scenes`,
        assetsDir: `${work}/scenes/assets`,
      });
    }
  });
}

Deno.test({
  name:
    "studio done when: a new admin prepares a two-day campaign, art, scene and host in the panel, rehearses, runs it on the demo; a phone follows to the close; the report agrees",
  ignore: !ready || !espeak,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const storage = testStorage();
    const work = await Deno.makeTempDir({ prefix: "sothebais-studio-done-" });
    await copyFolder(`${ROOT}scenes`, `${work}/scenes`);
    await Deno.copyFile(`${ROOT}plugins/host/characters/marlowe.json`, `${work}/marlowe.json`);
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = studioShow(work, url);
    const env = { ...storage.env, PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: "warn" };
    const link = await cliAddAccount("ada", "admin", config, env);
    const show = await startShow(config, env, url);
    const browser = await launchChromium();
    Deno.mkdirSync(ARTIFACTS, { recursive: true });
    try {
      const now = Temporal.Now.zonedDateTimeISO("America/New_York");
      const today = now.toPlainDate().toString();
      const tomorrow = now.toPlainDate().add({ days: 1 }).toString();
      const closes = now.add({ minutes: LOT_MINUTES + 1 }).round({
        smallestUnit: "minute",
        roundingMode: "floor",
      });
      assert.equal(closes.toPlainDate().toString(), today, "run before 23:54 in New York");
      const closesAt = closes.toPlainTime().toString({ smallestUnit: "minute" });

      // 1. A new admin: the setup link printed by `admin add`, an authenticator, sign-in.
      const desk = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
      const page = await desk.newPage();
      await browserEnrol(page, link, "ada");

      // 2. The campaign: two days, today's lot open from midnight to a few minutes from now.
      await page.click("#nav-campaigns");
      await page.waitForSelector("#campaign-form");
      for (
        const [f, v] of [
          ["id", "dawn"],
          ["name", "Dawn week"],
          ["project", "SothebAIs"],
          ["collection", "Dawn"],
          ["startDate", today],
          ["endDate", tomorrow],
          ["window-start", "00:00"],
          ["window-end", closesAt],
          ["rules-extensionWindowSeconds", "20"],
          ["rules-extensionSeconds", "20"],
          ["rules-maxExtensionMinutes", "1"],
          ["items-0-item", "Dawn #1"],
          ["items-0-reserve", "1 ETH"],
        ]
      ) await page.fill(`#f-${f}`, v);
      await page.click("#add-item");
      await page.fill("#f-items-1-item", "Dawn #2");
      await page.fill("#f-items-1-reserve", "2 ETH");
      await page.waitForSelector("#campaign-ok");
      await page.waitForSelector(`#calendar tr[data-day="${tomorrow}"]`);
      await page.click(`#calendar tr[data-day="${tomorrow}"] button.rehearse`);
      await page.waitForSelector("#rehearsal", { timeout: 90_000 });
      const rehearsed = await page.$$eval(
        "#rehearsal tbody tr",
        (rows) => rows.map((r) => [(r as HTMLElement).dataset.type, r.children[3].textContent]),
      );
      assert.deepEqual(
        rehearsed.find(([t]) => t === "bid.accepted")?.[1],
        "2 ETH",
        "the second day rehearsed from its own reserve",
      );
      assert.ok(rehearsed.some(([t]) => t === "auction.closed"), JSON.stringify(rehearsed));
      const lot = `dawn-${today}`;
      assert.equal((await fetch(`${url}/auctions/dawn-${tomorrow}/bids`)).status, 404);
      await page.fill("#campaign-reason", "first week of Dawn");
      await page.click("#campaign-save");
      await page.waitForSelector("#campaign-notice");
      assert.equal(
        await page.textContent("#campaign-notice"),
        `Saved dawn: ${today} created, ${tomorrow} created.`,
      );

      // 3. The artwork, uploaded.
      await page.click("#nav-assets");
      const art = createCanvas(96, 96);
      const g = art.getContext("2d");
      g.fillStyle = "#d12f2f";
      g.fillRect(0, 0, 96, 96);
      const artFile = `${work}/dawn-1.png`;
      await Deno.writeFile(artFile, art.toBuffer("image/png"));
      await page.setInputFiles("#asset-file", artFile);
      await page.click("#asset-send");
      await page.waitForSelector("#asset-notice");
      assert.equal(await page.textContent("#asset-notice"), "Stored uploads/dawn-1.png (96×96).");

      // 4. The live scene, in the form: the artwork quadrant shows the upload; saved, on show.
      await page.click("#nav-scenes");
      await page.waitForSelector('[data-item="quadrants.topLeft.items.0"]');
      assert.equal(await page.inputValue("#f-quadrants-topLeft-items-0-widget"), "artwork");
      await page.fill(
        "#f-quadrants-topLeft-items-0-props",
        JSON.stringify({ src: "uploads/dawn-1.png", title: "Dawn #1", artist: "Ada" }),
      );
      await page.selectOption("#f-background-kind", "color");
      await page.fill("#f-background-color", "#10331f");
      await page.waitForFunction(() => !document.getElementById("scene-problems"));
      await page.fill("#scene-reason", "Dawn week art");
      await page.click("#scene-save");
      await page.waitForSelector("#scene-notice");
      assert.equal(
        await page.textContent("#scene-notice"),
        "Saved live.json: the show draws it from the next frame.",
      );
      await frameDraws(url);
      await page.click("#nav-assets");
      await page.waitForSelector('[data-path="uploads/dawn-1.png"] .used-by');
      assert.equal(
        await page.textContent('[data-path="uploads/dawn-1.png"] .used-by'),
        "used by live",
      );

      // 5. The host, edited and saved: the running host is the new character.
      await page.click("#nav-host");
      await page.waitForFunction(() =>
        (document.getElementById("f-name") as HTMLInputElement | null)?.value === "Marlowe"
      );
      await page.fill("#f-name", "Marlowe of Dawn");
      await page.fill("#f-voice-speed", "170");
      await page.waitForFunction(() => !document.getElementById("host-problems"));
      await page.fill("#host-reason", "the Dawn week host");
      await page.click("#host-save");
      await page.waitForFunction(() =>
        /Marlowe of Dawn/.test(document.getElementById("host-speaking")?.textContent ?? "")
      );
      assert.equal(
        JSON.parse(Deno.readTextFileSync(`${work}/marlowe.json`)).name,
        "Marlowe of Dawn",
      );

      // 6. A bidder on a phone follows the lot to its close while the crowd bids.
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const home = await phone.newPage();
      await home.goto(`${url}/`);
      await home.waitForFunction(() => document.getElementById("item")?.textContent === "Dawn #1");
      assert.equal(await home.textContent("#status"), "open");
      assert.ok(await noHorizontalScroll(home), "no horizontal scroll at 390 px");
      await watchTweets(home);
      const watchedFrom = Date.now();
      await eventually(
        async () => (await home.textContent("#status")) === "closed",
        "the lot's close on the phone",
        (LOT_MINUTES + 3) * 60_000,
        50,
      );
      const log = (await getJson(`${url}/auctions/${lot}/bids?limit=1000`)).bids as Receipt[];
      // Each tweet's decision, once: an automatic raise of a maximum names the tweet that placed
      // the maximum (on the page since that decision), so it is no new decision to time.
      const firsts = new Map<string, Receipt>();
      // A leader's maximum changed (`bid.max-set`) is in the log but not on the live page (the
      // public stream tells bids and rejections only), so it is not timed either.
      for (const b of log) {
        if (!b.proxy && b.action !== "max" && b.action !== "cancel-max" && !firsts.has(b.tweetId)) {
          firsts.set(b.tweetId, b);
        }
      }
      const followed = [...firsts.values()].filter((b) =>
        Date.parse(b.decidedAt) > watchedFrom + 200
      );
      assert.ok(
        followed.length >= 3,
        `decisions while the phone watched (from ${new Date(watchedFrom).toISOString()}): ` +
          `${followed.length} of ${log.length}, the last at ${log.at(-1)?.decidedAt}`,
      );
      assert.ok(log.some((b) => b.decision === "accepted"), "the crowd's bids were accepted");
      const seen = await home.evaluate(() =>
        (globalThis as unknown as { seen: Record<string, number> }).seen
      );
      const delays = followed.map((b) => {
        assert.ok(seen[b.tweetId], `decision ${b.tweetId} (${b.decision}) on the phone`);
        return seen[b.tweetId] - Date.parse(b.decidedAt);
      });
      const slow = followed.map((b, i) => [b, delays[i]] as const).filter(([, d]) => d >= 1000)
        .map(([b, d]) =>
          `${d} ms: ${b.tweetId} ${b.decision} ${b.action ?? b.reason} ${b.decidedAt}`
        );
      console.log(
        `${delays.length} decisions, recorded → on the phone: median ${median(delays)} ms, ` +
          `95th percentile ${percentile(delays, 0.95)} ms, max ${
            Math.max(...delays)
          } ms; ${slow.length} at 1 s or more:\n${slow.join("\n")}`,
      );
      assert.ok(await noHorizontalScroll(home));
      await home.screenshot({ path: `${ARTIFACTS}studio-done-phone.png`, fullPage: true });
      const phoneShows = {
        leader: await home.textContent("#leader"),
        price: await home.textContent("#price"),
        bids: await home.textContent("#bid-count"),
      };
      const snapshot = await getJson(`${url}/auction/auctions/${lot}`);
      assert.equal(snapshot.status, "closed");
      assert.equal(phoneShows.bids, String(snapshot.bidCount), "the phone's count is the lot's");

      // 7. The day's report, in the panel: the public bid log's figures, the phone's result.
      await page.click("#nav-reports");
      await page.waitForSelector("#report-auction");
      await page.selectOption("#report-auction", lot);
      await page.waitForFunction(
        (id) => document.getElementById("r-auction")?.textContent === id,
        lot,
      );
      const rejected: Record<string, number> = {};
      for (const b of log) if (b.reason) rejected[b.reason] = (rejected[b.reason] ?? 0) + 1;
      await page.waitForFunction(
        (n) => document.getElementById("r-bids")?.textContent === n,
        String(log.length),
      );
      assert.equal(
        await page.textContent("#r-accepted"),
        String(log.filter((b) => b.decision === "accepted").length),
      );
      assert.deepEqual(
        (await page.textContent("#r-rejected"))!.split(", ").sort(),
        Object.entries(rejected).map(([k, n]) => `${k} ${n}`).sort(),
      );
      assert.equal(
        await page.textContent("#r-unique"),
        String(new Set(log.map((b) => b.handle.toLowerCase())).size),
      );
      assert.equal(await page.textContent("#r-winner"), phoneShows.leader);
      assert.equal(await page.textContent("#r-price"), phoneShows.price);
      await page.screenshot({ path: `${ARTIFACTS}studio-done-report.png`, fullPage: true });
      // On this shared machine the whole show (720p frames, the recording's encoder, the chain,
      // Chromium) runs beside the test: a load spike can hold one update past 1 s. Every decision
      // must reach the phone, 95 % within 1 s and none past 5 s (the strict 1 s for each is
      // plugins/auction/tests/public_pages_browser_test.ts's, on a quieter engine).
      const p95 = percentile(delays, 0.95);
      assert.ok(p95 < 1000, `95 % of the decisions on the phone within 1 s: ${p95} ms`);
      const max = Math.max(...delays);
      assert.ok(max < 5000, `each decision on the phone within 5 s: ${max} ms`);
      await phone.close();
      await desk.close();
    } finally {
      await browser.close();
      await show.stop();
      await storage.remove();
      await Deno.remove(work, { recursive: true });
    }
  },
});

/**
 * The show's own frames (`/compositor/frame.png`) draw the saved scene within 10 s: its
 * background colour in the corner, and the upload's red in the artwork quadrant (the left half,
 * 7.5–92.5 % down), sampled every 4 px.
 */
async function frameDraws(url: string) {
  let last = "no frame";
  await eventually(
    async () => {
      const res = await fetch(`${url}/compositor/frame.png`, { signal: AbortSignal.timeout(5000) });
      const f = await decodePng(new Uint8Array(await res.arrayBuffer()));
      const px = (
        x: number,
        y: number,
      ) => [...f.rgba.slice((y * f.width + x) * 4, (y * f.width + x) * 4 + 3)];
      let red = 0;
      for (let y = Math.round(f.height * 0.11); y < f.height * 0.83; y += 4) {
        for (let x = 4; x < f.width * 0.47; x += 4) {
          const [r, g, b] = px(x, y);
          if (r > 180 && g < 80 && b < 80) red++;
        }
      }
      last = `corner ${px(1, 1)}, ${red} samples of the artwork`;
      return px(1, 1).join() === [0x10, 0x33, 0x1f].join() && red > 200;
    },
    "the saved scene in the show's frames",
    10_000,
    50,
  ).catch((e) => {
    throw new Error(`${e.message} (last: ${last})`);
  });
}
