/**
 * Done when, tried as a new operator would: `main.ts admin add` prints a setup
 * link; the link opens, TOTP is enrolled from the page, the operator signs in
 * and watches the demo show (`main.ts start`: embedded chain, simulated
 * bidders, the fake X server) live in the panel, pauses and resumes the
 * auction with a reason, switches to the slate and back, and finds each
 * action in the audit log. Writes the README's screenshots with
 * UPDATE_SCREENSHOTS=1.
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import { anvilAvailable } from "../../plugins/chain/tests/chain_kit.ts";
import { testStorage } from "../../tests/engine.ts";
import { cli, writeDemoConfig } from "../../tests/cli.ts";
import {
  ARTIFACTS,
  browserEnrol,
  chromiumReady,
  freePort,
  launchChromium,
  type ShowProcess,
  startShow,
} from "./panel_kit.ts";

const ready = (await chromiumReady()) && (await anvilAvailable());
const ROOT = new URL("../../", import.meta.url);

/** The project's demo show; a busier crowd, a shorter pre-auction. */
function demoConfig(dir: string, publicUrl: string): string {
  return writeDemoConfig(`${dir}/show.json`, (name, config) => {
    if (name === "x-simulator") config.rates = { bidsPerMinute: 40, questionsPerMinute: 0 };
    if (name === "demo") config.preMinutes = 0.5;
    if (name === "admin") config.publicUrl = publicUrl;
  });
}

Deno.test({
  name:
    "operator: admin add → setup link → TOTP → sign in → demo live → pause/resume, slate and back → audit log",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const storage = testStorage();
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = demoConfig(storage.env.DATA_DIR, url);
    const env = { ...storage.env, PORT: String(port), LOG_LEVEL: "warn" };
    let show: ShowProcess | undefined;
    const browser = await launchChromium();
    try {
      // 1. The operator's account, from the command line (before the engine holds the data folder).
      const added = await cli(
        ["admin", "add", "opal", "--role", "operator", "--config", config],
        env,
      )
        .output();
      const printed = new TextDecoder().decode(added.stdout);
      assert.equal(added.code, 0, new TextDecoder().decode(added.stderr));
      assert.match(printed, /account opal \(operator\) created/);
      const link = printed.match(/(http:\/\/\S+\/admin\/setup#\S+)/)![1];
      assert.ok(link.startsWith(`${url}/admin/setup#`), link);
      const listed = new TextDecoder().decode(
        (await cli(["admin", "list", "--config", config], env).output()).stdout,
      );
      assert.match(listed, /opal\s+operator\s+pending \(setup link waiting\)/);

      // 2. The demo show.
      show = await startShow(config, env, url, 60_000);

      // 3. The link, enrolment, sign-in.
      const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
      const page = await context.newPage();
      await browserEnrol(page, link, "opal");

      // 4. The show, live: preview frames keep coming, the demo's bids arrive.
      const index = async () => Number(await page.getAttribute("#program", "data-index") ?? 0);
      await eventually(async () => (await index()) > 0, "a preview frame", 20_000, 50);
      const first = await index();
      await eventually(async () => (await index()) > first + 10, "more preview frames", 10_000, 50);
      await page.click("#nav-auction");
      await eventually(
        async () => (await page.textContent("#glance-status").catch(() => null)) === "open",
        "the demo's lot open",
        90_000,
        50,
      );
      await eventually(
        async () => (await page.locator("#bid-rows tr").count()) > 0,
        "a bid",
        60_000,
        50,
      );
      await eventually(
        async () => (await page.locator("#bid-rows td.status-accepted").count()) >= 2,
        "accepted bids (once the demo's deposits are credited)",
        90_000,
        50,
      );

      // 5. Pause with a reason, the slate and back, resume. (The panel's slate is a hold of the
      // slate plugin: a bid accepted meanwhile would not take it off air.)
      const override = async (button: string, reason: string, status: string) => {
        await page.click("#nav-auction");
        await page.click(button);
        await page.waitForSelector(".changes");
        await page.fill("#confirm-reason", reason);
        await page.click("#confirm-go");
        await page.waitForSelector(`#glance-status.status-${status}`);
      };
      await override("#ov-pause", "checking a bidder's deposit", "paused");
      await page.click("#nav-live");
      await page.click("#show-slate");
      await page.fill("#confirm-reason", "sponsor segment overran");
      await page.click("#confirm-go");
      await eventually(
        async () => (await page.textContent("#scene")) === "slate",
        "the slate",
        5000,
        50,
      );
      await page.click("#leave-slate");
      await page.fill("#confirm-reason", "back on schedule");
      await page.click("#confirm-go");
      await page.waitForSelector(".modal", { state: "detached" });
      await eventually(
        async () => (await page.textContent("#scene")) !== "slate",
        "back",
        5000,
        50,
      );
      await override("#ov-resume", "deposit confirmed", "open");
      if (Deno.env.get("UPDATE_SCREENSHOTS") === "1") {
        await eventually(
          async () => (await page.locator("#bid-rows td.status-accepted").count()) >= 4,
          "more bids for the picture",
          60_000,
          50,
        );
        await page.screenshot({ path: new URL("admin/screenshots/auction.png", ROOT).pathname });
        await page.click("#nav-live");
        await page.waitForSelector("#chart-fps canvas");
        await new Promise((r) => setTimeout(r, 4000)); // a few seconds of charts
        await page.screenshot({ path: new URL("admin/screenshots/live.png", ROOT).pathname });
      }
      await page.click("#nav-live");
      Deno.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}operator-live.png` });

      // 7. Every action in the audit log.
      await page.click("#nav-system");
      await page.fill("#audit-actor", "opal");
      await page.waitForSelector('#audit-rows tr[data-action="show.leave-slate"]');
      const rows = await page.locator("#audit-rows tr").evaluateAll((trs) =>
        trs.map((tr) => (tr as unknown as { innerText: string }).innerText.replace(/\s+/g, " "))
      );
      const find = (pattern: RegExp) =>
        assert.ok(rows.some((r) => pattern.test(r)), `${pattern}\n${rows.join("\n")}`);
      find(/opal session\.sign-in .*ok/);
      find(/opal auction\.pause demo-\d+ checking a bidder's deposit status: open → paused/);
      find(/opal auction\.resume demo-\d+ deposit confirmed status: paused → open/);
      find(/opal show\.slate sponsor segment overran scene: \S+ → slate/);
      find(/opal show\.leave-slate back on schedule scene: slate → \S+/);
      await page.fill("#audit-actor", "");
      await page.fill("#audit-action", "account");
      await page.waitForSelector('#audit-rows tr[data-action="account.add"]');
      await page.screenshot({ path: `${ARTIFACTS}operator-system.png`, fullPage: true });
      await context.close();
    } finally {
      await browser.close();
      await show?.stop();
      await storage.remove();
    }
  },
});
