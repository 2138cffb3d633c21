/// <reference lib="dom" />
/**
 * Done when, tried as a new admin would, in headless Chromium against a real
 * engine (the auction, the x plugin reading a fake X server over its HTTP API,
 * the compositor with every widget, the host with its voice, the public pages
 * and the panel): the setup link from `admin add` → enrolment → sign-in; a
 * two-day campaign written in the Campaigns page, its second day rehearsed
 * there, saved; an artwork uploaded in Assets; the live scene edited in the
 * Scenes form to show it and saved — the running show's next frames draw it;
 * the host's character edited and saved in Host — the running host speaks as
 * it; bids tweeted at the fake X are decided, followed by a bidder on a phone
 * on `/` (no horizontal scroll, each decision on the page within 1 s), and
 * the day's report in Reports agrees with the public bid log.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { createCanvas } from "@napi-rs/canvas";
import type { Auctions } from "../../plugins/auction/mod.ts";
import { serveFakeX } from "../../stand-ins/fake-x/mod.ts";
import type { FundsBook } from "../../plugins/funds-book/mod.ts";
import { decodePng } from "../../plugins/compositor/tests/pixels.ts";
import { commandWorks, serviceAvailable } from "../../tests/services.ts";
import {
  ARTIFACTS,
  browserEnrol,
  chromiumReady,
  ETH,
  launchChromium,
  median,
  panelEngine,
  tweetSeenAt,
  waitFor,
  watchTweets,
} from "./panel_kit.ts";

const ready = await chromiumReady();
const espeak = await serviceAvailable("espeak-ng", () => commandWorks("espeak-ng", ["--version"]));
const ROOT = new URL("../../", import.meta.url).pathname;

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

Deno.test({
  name:
    "studio done when: a new admin prepares a two-day campaign, art, scene and host in the panel, rehearses, runs it; a phone follows",
  ignore: !ready || !espeak,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "sothebais-studio-done-" });
    const scenes = `${work}/scenes`;
    await copyFolder(`${ROOT}scenes`, scenes);
    for (const f of ["draw.ts", "theme.ts"]) await Deno.remove(`${scenes}/${f}`).catch(() => {});
    const character = `${work}/marlowe.json`;
    await Deno.copyFile(`${ROOT}plugins/host/characters/marlowe.json`, character);
    const widgets = [...Deno.readDirSync(`${ROOT}plugins`)]
      .filter((e) => e.isDirectory && e.name.startsWith("widget-")).map((e) => e.name).sort();
    const x = serveFakeX({ tier: "pro" });
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock", public: { hostHandle: "SothebAIs" } },
        x: { baseUrl: x.url, tier: "pro", minPollMs: 200, ingestLagMs: 0 },
        host: { character, idleSeconds: 600 },
        compositor: {
          scenesDir: scenes,
          assetsDir: `${scenes}/assets`,
          initialScene: "live",
          phaseScenes: { "pre-auction": "live", auction: "live", "post-auction": "live" },
          width: 320,
          height: 180,
          fps: 5,
        },
        ...Object.fromEntries(widgets.map((w) => [w, {}])),
        voice: {},
      },
      admin: { scenesDir: scenes, assetsDir: `${scenes}/assets` },
    });
    const browser = await launchChromium();
    Deno.mkdirSync(ARTIFACTS, { recursive: true });
    try {
      const auctions = engine.service<Auctions>("auctions");
      const book = engine.service<FundsBook>("funds-book");
      for (const [i, h] of ["@alice", "@bob"].entries()) {
        await book.link(h, `0x00000000000000000000000000000000000000d${i}`);
        await book.enter(h, "deposit", 50n * ETH);
      }
      const ny = Temporal.Now.zonedDateTimeISO("America/New_York").toPlainDate();
      const today = ny.toString();
      const tomorrow = ny.add({ days: 1 }).toString();

      // 1. A new admin: the setup link, enrolment with an authenticator, sign-in.
      const token = await engine.addAccount("ada", "admin");
      const desk = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
      const page = await desk.newPage();
      await browserEnrol(page, `${engine.url}/admin/setup#${token}`, "ada");

      // 2. The campaign: two days, open all day in New York (so today's lot is open now).
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
          ["window-end", "23:59"],
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
      assert.equal(auctions.get(`dawn-${tomorrow}`), null, "a rehearsal creates nothing");
      await page.fill("#campaign-reason", "first week of Dawn");
      await page.click("#campaign-save");
      await page.waitForSelector("#campaign-notice");
      assert.equal(
        await page.textContent("#campaign-notice"),
        `Saved dawn: ${today} created, ${tomorrow} created.`,
      );
      const lot = `dawn-${today}`;
      await waitFor(() => auctions.get(lot)?.status === "open", 10_000, "today's lot open");

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
      const frame = async () =>
        await decodePng(
          new Uint8Array(await (await fetch(`${engine.url}/compositor/frame.png`)).arrayBuffer()),
        );
      await new Promise((r) => setTimeout(r, 450)); // two frames at 5 fps
      const f = await frame();
      const px = (
        x: number,
        y: number,
      ) => [...f.rgba.slice((y * f.width + x) * 4, (y * f.width + x) * 4 + 3)];
      assert.deepEqual(px(1, 1), [0x10, 0x33, 0x1f], "the new background");
      // The artwork quadrant (left half, 7.5–92.5 % down): some of it is the upload's red.
      let red = 0;
      for (let y = 20; y < 150; y++) {
        for (let x = 10; x < 150; x++) {
          const [r, gg, b] = px(x, y);
          if (r > 180 && gg < 80 && b < 80) red++;
        }
      }
      assert.ok(red > 200, `${red} pixels of the artwork in the frame`);
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
      assert.equal(JSON.parse(Deno.readTextFileSync(character)).name, "Marlowe of Dawn");

      // 6. A bidder on a phone follows the lot while bids are tweeted and decided.
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const home = await phone.newPage();
      await home.goto(`${engine.url}/`);
      await home.waitForFunction(() => document.getElementById("item")?.textContent === "Dawn #1");
      assert.ok(await noHorizontalScroll(home), "no horizontal scroll at 390 px");
      await watchTweets(home);
      const decided = new Map<string, number>();
      for (const type of ["bid.accepted", "bid.rejected"] as const) {
        engine.bus.on(
          type,
          (e) => void decided.set((e.payload as { tweetId: string }).tweetId, Date.now()),
        );
      }
      const said: Array<{ voice?: { speed: number } }> = [];
      engine.bus.on("host.said", (e) => void said.push(e.payload as never));
      const delays: number[] = [];
      for (
        const [author, text] of [
          ["@alice", "@SothebAIs bid 1 ETH"],
          ["@bob", "@SothebAIs bid 1.01 ETH"], // below the increment
          ["@bob", "@SothebAIs bid 2 ETH"],
        ]
      ) {
        const tweet = x.fake.inject({ author, text });
        await waitFor(() => decided.has(tweet.id), 20_000, `the decision of "${text}"`);
        const seen = await tweetSeenAt(home, tweet.id);
        delays.push(seen - decided.get(tweet.id)!);
      }
      console.log(
        `decision → on the phone: median ${median(delays)} ms, max ${Math.max(...delays)} ms`,
      );
      assert.ok(Math.max(...delays) < 1000, `each decision on the phone within 1 s: ${delays}`);
      await home.waitForFunction(() => document.getElementById("leader")?.textContent === "@bob");
      assert.ok(await noHorizontalScroll(home));
      await home.screenshot({ path: `${ARTIFACTS}studio-done-phone.png`, fullPage: true });
      await waitFor(
        () => said.some((l) => l.voice?.speed === 170),
        20_000,
        "the host in its new voice",
      );

      // 7. The day's report, in the panel, agrees with the public bid log.
      const log = (await (await fetch(`${engine.url}/auctions/${lot}/bids`)).json()).bids as Array<
        { decision: string; reason: string | null }
      >;
      assert.deepEqual(log.map((b) => b.reason ?? b.decision), [
        "accepted",
        "below_increment",
        "accepted",
      ]);
      await page.click("#nav-reports");
      await page.waitForSelector("#report-auction");
      await page.selectOption("#report-auction", lot);
      await page.waitForFunction(
        (id) => document.getElementById("r-auction")?.textContent === id,
        lot,
      );
      await page.waitForFunction(() => document.getElementById("r-bids")?.textContent === "3");
      assert.equal(await page.textContent("#r-accepted"), "2");
      assert.equal(await page.textContent("#r-rejected"), "below_increment 1");
      assert.equal(await page.getAttribute("#r-price", "data-wei"), String(2n * ETH));
      assert.equal(await page.textContent("#r-unique"), "2");
      await page.screenshot({ path: `${ARTIFACTS}studio-done-report.png`, fullPage: true });
      await phone.close();
      await desk.close();
    } finally {
      await browser.close();
      await engine.stop();
      await x.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});
