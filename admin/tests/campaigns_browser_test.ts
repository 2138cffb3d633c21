/// <reference lib="dom" />
/**
 * The campaign editor in headless Chromium: an admin writes a two-day campaign
 * over New York's spring DST switch; bad values are refused with the field
 * named (the engine's own schema) and that field marked; the calendar shows
 * 14:00 both days with the 23-hour day and the offset change; "Rehearse this
 * day" runs `main.ts rehearse` on the day and shows its decisions; saving with
 * a reason creates both days' auctions and is audited; a viewer cannot save.
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import type { Auctions } from "../../plugins/auction/mod.ts";
import {
  ARTIFACTS,
  chromiumReady,
  httpRequest,
  launchChromium,
  panelEngine,
  sessionHeaders,
  signedInPage,
} from "./panel_kit.ts";

const ready = await chromiumReady();

Deno.test({
  name: "campaigns: fields named, DST calendar, a day rehearsed, saved and audited",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({
      plugins: { "funds-book": {}, auction: { watermark: "clock" } },
    });
    const browser = await launchChromium();
    try {
      const auctions = engine.service<Auctions>("auctions");
      const { page } = await signedInPage(
        browser,
        engine,
        { name: "ada", role: "admin" },
        "/admin/campaigns",
        { width: 1440, height: 1100 },
      );
      await page.waitForSelector("#campaign-form");
      for (
        const [f, v] of [
          ["id", "spring"],
          ["name", "Spring drops"],
          ["project", "SothebAIs"],
          ["collection", "Bloom"],
          ["startDate", "2027-03-13"],
          ["endDate", "2027-03-12"],
          ["items-0-item", "Bloom #1"],
          ["items-0-reserve", "2,5 ETH"],
        ]
      ) await page.fill(`#f-${f}`, v);
      await page.waitForFunction(() =>
        document.querySelector("#campaign-problems")?.textContent?.includes("items.0.reserve")
      );
      const problems = (await page.textContent("#campaign-problems"))!;
      assert.match(problems, /campaign\.items\.0\.reserve: "2,5 ETH" is not "<decimal> ETH"/);
      assert.equal(await page.getAttribute("#f-items-0-reserve", "aria-invalid"), "true");
      assert.ok(await page.isDisabled("#campaign-save"));
      await page.fill("#f-items-0-reserve", "2.5 ETH");
      await page.waitForFunction(() =>
        document.querySelector("#campaign-problems")?.textContent?.includes("endDate")
      );
      assert.match(
        (await page.textContent("#campaign-problems"))!,
        /campaign\.endDate: must not be before startDate/,
      );
      await page.fill("#f-endDate", "2027-03-14");
      await page.click("#add-item");
      await page.fill("#f-items-1-item", "Bloom #2");
      await page.fill("#f-items-1-reserve", "3 ETH");
      await page.waitForSelector("#campaign-ok");

      // The calendar: 14:00 in New York both days; the 14th is 23 hours, the offset moves.
      await page.waitForSelector('#calendar tr[data-day="2027-03-14"]');
      const row = async (day: string) =>
        await page.$$eval(
          `#calendar tr[data-day="${day}"] td`,
          (cells) => cells.slice(3, 7).map((c) => c.textContent),
        );
      assert.deepEqual(await row("2027-03-13"), ["14:00", "16:00", "24 h", "-05:00"]);
      assert.deepEqual(await row("2027-03-14"), ["14:00", "16:00", "23 h (DST starts)", "-04:00"]);

      // Rehearse the DST day as edited (not saved yet): the decisions of `rehearse`.
      await page.click('#calendar tr[data-day="2027-03-14"] button.rehearse');
      await page.waitForSelector("#rehearsal", { timeout: 90_000 });
      const types = await page.$$eval("#rehearsal tbody tr", (rows) =>
        rows.map((r) => [
          (r as HTMLElement).dataset.type,
          r.children[3].textContent,
          r.children[4].textContent,
        ]));
      const accepted = types.filter(([t]) => t === "bid.accepted");
      assert.ok(accepted.length >= 3, JSON.stringify(types));
      assert.deepEqual(accepted[0].slice(1, 2), ["3 ETH"]); // the second day's reserve
      assert.ok(
        types.some(([t, , why]) => t === "bid.rejected" && why === "below_increment"),
        JSON.stringify(types),
      );
      assert.ok(types.some(([t]) => t === "auction.closed"), JSON.stringify(types));
      assert.equal(auctions.get("spring-2027-03-14"), null, "a rehearsal changes nothing");

      // Save with a reason: both days' auctions exist, at 14:00 New York each.
      await page.fill("#campaign-reason", "spring campaign, first draft");
      await page.click("#campaign-save");
      await page.waitForSelector("#campaign-notice");
      assert.equal(
        await page.textContent("#campaign-notice"),
        "Saved spring: 2027-03-13 created, 2027-03-14 created.",
      );
      await eventually(
        () => auctions.get("spring-2027-03-14"),
        "the second day's auction",
        5000,
        50,
      );
      assert.deepEqual(
        ["spring-2027-03-13", "spring-2027-03-14"].map((id) => {
          const a = auctions.get(id)!;
          return [a.status, a.item, a.startsAt, String(a.reserveWei)];
        }),
        [
          ["scheduled", "Bloom #1", "2027-03-13T14:00:00-05:00", "2500000000000000000"],
          ["scheduled", "Bloom #2", "2027-03-14T14:00:00-04:00", "3000000000000000000"],
        ],
      );
      const saved = await auctions.campaigns.list();
      assert.equal(saved.find((c) => c.id === "spring")?.name, "Spring drops");
      await page.screenshot({ path: `${ARTIFACTS}campaigns.png`, fullPage: true });

      // Audited; a viewer cannot save.
      const vic = await engine.enrolled("vic", "viewer");
      const v = await engine.signIn("vic", vic.secret);
      const call = (type: string, data: unknown, who: { cookie: string; csrf: string }) =>
        httpRequest(engine.url, type, data, sessionHeaders(who));
      const refused = await call("SaveCampaign", { campaign: saved[0], reason: "forged" }, v);
      assert.equal(refused.status, 403);
      const audit = (await call("ListAudit", { action: "campaign" }, v)).json;
      const actions = audit.responseData.entries.map((e: { action: string }) => e.action);
      assert.deepEqual(actions.sort(), ["campaign.rehearse", "campaign.save"]);
      const save = audit.responseData.entries.find((e: { action: string }) =>
        e.action === "campaign.save"
      );
      assert.equal(save.actor, "ada");
      assert.equal(save.reason, "spring campaign, first draft");
      assert.equal(save.before, null);
      assert.equal(save.after.items[1].reserve, "3 ETH");
    } finally {
      await browser.close();
      await engine.stop();
    }
  },
});
