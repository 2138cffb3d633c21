/// <reference lib="dom" />
/**
 * The Host page in headless Chromium against a real engine (auction, host,
 * voice with espeak-ng, panel), on a copy of a shipped character: a bad field
 * is named and marked and nothing is saved; a test line is spoken by the real
 * voice (the WAV's samples are the voice plugin's own synthesis of it, in the
 * edited voice) and plays in the page; the save writes the file the engine
 * reads, is audited with before and after, and the running host speaks with
 * it at once (its next lines: the new idle topics, in the new voice); undo
 * puts the file back; the transcript shows each line with the facts of its
 * version. Hostile requests (a viewer, control characters, an oversized body,
 * bad JSON, a path for an avatar, an option for a voice) are refused with the
 * field named and change nothing.
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import { commandWorks, serviceAvailable } from "../../tests/services.ts";
import { readWav, SAMPLE_RATE, speech } from "../../plugins/voice/speech.ts";
import {
  ARTIFACTS,
  chromiumReady,
  httpRequest,
  launchChromium,
  openAuction,
  panelEngine,
  sessionHeaders,
  signedInPage,
} from "./panel_kit.ts";

const ready = await chromiumReady();
const espeak = await serviceAvailable("espeak-ng", () => commandWorks("espeak-ng", ["--version"]));
const MARLOWE = new URL("../../plugins/host/characters/marlowe.json", import.meta.url);
const TOPICS = [
  "Zanzibar lanterns glow over the quay tonight.",
  "Zanzibar traders once weighed cloves by lamplight.",
  "Zanzibar doors are carved with patience.",
  "Zanzibar tides keep their own calendar.",
  "Zanzibar spice markets wake before dawn.",
  "Zanzibar sailors read the sky like a catalogue.",
];

Deno.test({
  name: "host page: character checked, heard in the real voice, saved live, undone; transcript",
  ignore: !ready || !espeak,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sothebais-host-" });
    const file = `${dir}/marlowe.json`;
    Deno.copyFileSync(MARLOWE, file);
    const original = Deno.readTextFileSync(file);
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock", auctions: [openAuction("lot-1", "Genesis #1")] },
        host: { character: file, idleSeconds: 1, gapSeconds: 0 },
        voice: {},
      },
    });
    const said: Array<{ text: string; voice?: { speed: number; pitch: number } }> = [];
    engine.bus.on("host.said", (e) => void said.push(e.payload as never));
    const browser = await launchChromium();
    try {
      const { page } = await signedInPage(
        browser,
        engine,
        { name: "ada", role: "admin" },
        "/admin/host",
        { width: 1440, height: 1100 },
      );
      await page.waitForFunction(() =>
        (document.getElementById("f-name") as HTMLInputElement | null)?.value === "Marlowe"
      );
      assert.equal(await page.textContent("#host-speaking"), "Marlowe");
      // The file by its name: the server's folders are nobody's business on the page.
      assert.equal(await page.textContent("#host-file"), "marlowe.json");
      assert.ok(!(await page.content()).includes(dir), "no server path on the page");

      // A bad field is named and marked; Save stays off.
      await page.fill("#f-voice-speed", "999");
      await page.waitForSelector("#host-problems");
      assert.match((await page.textContent("#host-problems"))!, /character\.voice\.speed: /);
      assert.equal(await page.getAttribute("#f-voice-speed", "aria-invalid"), "true");
      await page.fill("#f-idleTopics", "Item 1 is great.\nshort");
      await page.waitForFunction(() =>
        /character\.idleTopics\.0: no digits/.test(
          document.getElementById("host-problems")?.textContent ?? "",
        )
      );
      assert.equal(await page.getAttribute("#f-idleTopics", "aria-invalid"), "true");
      await page.fill("#host-reason", "trying things");
      assert.equal(await page.isDisabled("#host-save"), true);

      // The edited voice, heard: the WAV is the voice plugin's synthesis of that line.
      await page.fill("#f-voice-speed", "190");
      await page.fill("#f-voice-pitch", "70");
      await page.fill("#f-idleTopics", TOPICS.join("\n"));
      await page.fill("#f-name", "Marlowe Junior");
      await page.waitForFunction(() => !document.getElementById("host-problems"));
      await page.fill("#host-line", "Splendid, patrons.");
      await page.click("#host-hear-button");
      await page.waitForSelector("#host-audio");
      const duration = await page.evaluate(() =>
        new Promise<number>((resolve) => {
          const a = document.getElementById("host-audio") as HTMLAudioElement;
          if (a.readyState >= 1) resolve(a.duration);
          else a.addEventListener("loadedmetadata", () => resolve(a.duration));
        })
      );
      assert(duration > 0.5 && duration < 10, `${duration} s of speech`);
      const src = (await page.getAttribute("#host-audio", "src"))!;
      const heard = readWav(Uint8Array.from(atob(src.split(",")[1]), (ch) => ch.charCodeAt(0)));
      assert.equal(heard.rate, SAMPLE_RATE);
      const expected = await speech("Splendid, patrons.", {
        espeak: "espeak-ng",
        voice: "en-gb",
        wordsPerMinute: 190,
        pitch: 70,
      });
      assert.deepEqual(heard.pcm, expected, "the samples are espeak-ng's, in the edited voice");
      assert(heard.pcm.some((s) => Math.abs(s) > 3000), "not silence");
      await page.screenshot({ path: `${ARTIFACTS}host.png`, fullPage: true });

      // Saved: the file the engine reads, audited, and the running host speaks with it at once.
      await page.fill("#host-reason", "a younger, quicker host");
      await page.click("#host-save");
      await page.waitForFunction(() =>
        /Marlowe Junior/.test(document.getElementById("host-notice")?.textContent ?? "")
      );
      const stored = JSON.parse(Deno.readTextFileSync(file));
      assert.equal(stored.name, "Marlowe Junior");
      assert.deepEqual(stored.voice, { name: "en-gb", speed: 190, pitch: 70 });
      assert.equal(Deno.readTextFileSync(`${file}.previous`), original);
      const from = said.length;
      await eventually(
        () => said.slice(from).some((l) => l.text.includes("Zanzibar") && l.voice?.speed === 190),
        "an idle line from the new character, in its voice",
        15_000,
        50,
      );
      const health = await (await fetch(`${engine.url}/healthz`)).json();
      assert.match(JSON.stringify(health), /Marlowe Junior/);

      // The transcript: each line with the facts of its version (a line is stored just after
      // it is said, so the page is reloaded until the new one is there).
      const transcript = () => page.textContent("#host-transcript tbody");
      await eventually(
        async () => {
          await page.click("#host-transcript-reload");
          await page.waitForSelector("#host-transcript tr[data-outcome=said] td.grounds");
          return /Zanzibar/.test((await transcript()) ?? "");
        },
        "the new character's line in the transcript",
        15_000,
        50,
      );
      assert.match((await transcript())!, /Zanzibar[\s\S]*v\d+: Genesis #1 open, no bids/);
      const ana = await engine.enrolled("ana", "admin");
      const a = await engine.signIn("ana", ana.secret);
      const call = (type: string, data: unknown, who = a) =>
        httpRequest(engine.url, type, data, sessionHeaders(who));
      const t = await call("GetTranscript", { outcome: "said", limit: 20 });
      const lines = t.json.responseData.lines as Array<
        { version: number; grounds: { version: number; lot: { item: string; status: string } } }
      >;
      assert(lines.length > 0);
      for (const l of lines) {
        assert.equal(l.grounds.version, l.version);
        assert.equal(l.grounds.lot.item, "Genesis #1");
        assert.equal(l.grounds.lot.status, "open");
      }

      // Hostile requests: refused with the field named; the file is as saved.
      const vic = await engine.enrolled("vic", "viewer");
      const v = await engine.signIn("vic", vic.secret);
      const saved = Deno.readTextFileSync(file);
      const seen = await call("GetHost", {}, v);
      assert.equal(seen.json.responseData.file, "marlowe.json");
      assert.ok(!JSON.stringify(seen.json).includes(dir), "a viewer sees no server path");
      assert.equal(
        (await call("SaveCharacter", { character: stored, reason: "forged" }, v)).status,
        403,
      );
      assert.equal(
        (await call("SpeakTestLine", { text: "hi", voice: stored.voice }, v)).status,
        403,
      );
      const refusals: Array<[string, unknown, RegExp]> = [
        ["SpeakTestLine", { text: "hi\u0000there", voice: stored.voice }, /^text: plain text/],
        ["SpeakTestLine", { text: "x".repeat(301), voice: stored.voice }, /^text: /],
        [
          "SpeakTestLine",
          { text: "hi", voice: { ...stored.voice, name: "--help" } },
          /^voice\.name: /,
        ],
        [
          "SaveCharacter",
          {
            character: { ...stored, avatar: { ...stored.avatar, idle: "../../etc/passwd.png" } },
            reason: "a path",
          },
          /^character\.avatar\.idle: /,
        ],
        ["SaveCharacter", {
          character: { ...stored, voice: { ...stored.voice, name: "en; rm -rf /" } },
          reason: "an option",
        }, /^character\.voice\.name: /],
        [
          "SaveCharacter",
          { character: stored, reason: "an extra field", extra: 1 },
          /unrecognized|extra/i,
        ],
        ["GetTranscript", { outcome: "everything" }, /^outcome: /],
      ];
      for (const [type, data, message] of refusals) {
        const r = await call(type, data);
        assert.equal(r.status, 400, `${type} ${JSON.stringify(data).slice(0, 80)}`);
        assert.match(r.json.message, message);
      }
      const big = await fetch(`${engine.url}/admin/api/requests/SaveCharacter`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: engine.url, ...sessionHeaders(a) },
        body: JSON.stringify({
          requestData: { character: { ...stored, bio: "x".repeat(20_000) }, reason: "big" },
        }),
      });
      assert.equal(big.status, 400);
      assert.match((await big.json()).message, /too big/);
      const garbled = await fetch(`${engine.url}/admin/api/requests/SaveCharacter`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: engine.url, ...sessionHeaders(a) },
        body: "{not json",
      });
      assert.equal(garbled.status, 400);
      assert.equal(Deno.readTextFileSync(file), saved);

      // Undo: the file as it was, and the host as it was.
      await page.fill("#host-reason", "back to the original");
      await page.click("#host-undo");
      await page.waitForFunction(() =>
        document.getElementById("host-notice")?.textContent === "Undid the last save."
      );
      assert.equal(Deno.readTextFileSync(file), original);
      assert.equal(await page.textContent("#host-speaking"), "Marlowe");
      const audit = await call("ListAudit", { action: "host" }, v);
      const rows = audit.json.responseData.entries as Array<
        { action: string; outcome: string; before: { name: string }; after: { name: string } }
      >;
      assert.deepEqual(rows.map((r) => `${r.action} ${r.outcome}`).sort(), [
        "host.character.save failed",
        "host.character.save failed",
        "host.character.save ok",
        "host.character.undo ok",
      ]);
      const save = rows.find((r) => r.action === "host.character.save" && r.outcome === "ok")!;
      assert.equal(save.before.name, "Marlowe");
      assert.equal(save.after.name, "Marlowe Junior");
    } finally {
      await browser.close();
      await engine.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
