/**
 * Sign-in in a real browser (headless Chromium): a setup link opened, a
 * password chosen, TOTP enrolled from the QR page's key, then sign-in with
 * password + code. A wrong code, an expired setup link and a reused recovery
 * code are refused with a message; the viewer's page hides operator controls.
 */
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { virtualClock } from "../../core/clock.ts";
import type { Compositor } from "../../plugins/compositor/mod.ts";
import {
  ARTIFACTS,
  chromiumReady,
  launchChromium,
  openAuction,
  panelEngine,
  PASSWORD,
  showPlugins,
  signedInPage,
  totpCode,
} from "./panel_kit.ts";

const ready = await chromiumReady();

Deno.test({
  name: "browser: enrol from the setup link, sign in with password + TOTP; wrong code refused",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine();
    const browser = await launchChromium();
    try {
      const token = await engine.addAccount("olivia", "operator");
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // Refusals come back as HTTP errors the browser logs; only script errors count here.
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
          errors.push(m.text());
        }
      });
      await page.goto(`${engine.url}/admin/setup#${token}`);
      assert.equal(await page.textContent("#setup-name"), "olivia");
      assert.ok(await page.isVisible("#qr"), "the QR code is shown");
      const secret = (await page.textContent("#totp-secret"))!;
      Deno.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}setup.png`, fullPage: true });
      await page.fill("#new-password", PASSWORD);
      await page.fill("#new-password-again", PASSWORD);
      await page.fill("#setup-code", "000000");
      await page.click("#finish-setup");
      assert.match((await page.textContent("#setup-error"))!, /code is not right/);
      await page.fill("#setup-code", totpCode(secret));
      await page.click("#finish-setup");
      await page.waitForSelector("#recovery-codes li");
      const codes = await page.locator("#recovery-codes li").allTextContents();
      assert.equal(codes.length, 10);

      await page.click("#to-login");
      await page.fill("#name", "olivia");
      await page.fill("#password", PASSWORD);
      await page.fill("#code", totpCode(secret, 1) === "123456" ? "654321" : "123456");
      await page.click("#sign-in");
      assert.match((await page.textContent("#login-error"))!, /Wrong code/);
      await page.screenshot({ path: `${ARTIFACTS}login.png` });
      await page.fill("#code", totpCode(secret, 1));
      await page.click("#sign-in");
      await page.waitForSelector("#who");
      assert.equal((await page.textContent("#who"))!.trim(), "olivia · operator");
      await page.waitForSelector("#go-live");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await engine.stop();
    }
  },
});

Deno.test({
  name: "browser: an expired setup link and a reused recovery code are refused with a message",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const clock = virtualClock(Temporal.Now.instant());
    const engine = await panelEngine({ clock });
    const browser = await launchChromium();
    try {
      const late = await engine.addAccount("lena", "viewer");
      await clock.advance(31 * 60_000);
      const page = await browser.newPage();
      await page.goto(`${engine.url}/admin/setup#${late}`);
      assert.match(
        (await page.textContent("#setup-error"))!,
        /setup link has expired \(links last 30 minutes\).*main\.ts admin reset lena/,
      );
      assert.equal(await page.locator("#setup").count(), 0, "no form for an expired link");
      await page.goto("about:blank"); // not a fragment change on the same page
      await page.goto(`${engine.url}/admin/setup#not-a-token`);
      assert.match((await page.textContent("#setup-error"))!, /not valid/);

      const { recoveryCodes } = await engine.enrolled("remy", "viewer");
      const signIn = async (code: string) => {
        await page.goto(`${engine.url}/admin/login`);
        await page.fill("#name", "remy");
        await page.fill("#password", PASSWORD);
        await page.fill("#code", code);
        await page.click("#sign-in");
      };
      await signIn(recoveryCodes[0].toUpperCase().replace(/-/g, " "));
      await page.waitForSelector("#who");
      await page.click("#sign-out");
      await page.waitForSelector("#login");
      assert.equal(await page.textContent("#notice"), "Signed out.");
      await signIn(recoveryCodes[0]);
      assert.match(
        (await page.textContent("#login-error"))!,
        /That recovery code was used already: each works once\./,
      );
      await signIn("zzzz-zzzz-zzzz");
      assert.match((await page.textContent("#login-error"))!, /Wrong code/);
    } finally {
      await browser.close();
      await engine.stop();
    }
  },
});

Deno.test({
  name:
    "browser: a viewer sees no operator controls, and the operator requests its page forges are refused",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock", auctions: [openAuction()] },
        ...showPlugins(),
      },
    });
    const browser = await launchChromium();
    try {
      const { page } = await signedInPage(
        browser,
        engine,
        { name: "vic", role: "viewer" },
        "/admin/live",
      );
      await page.waitForSelector("#read-only");
      assert.equal(await page.locator("#show-slate, #go-live, #run-transition").count(), 0);
      await page.click("#nav-auction");
      await page.waitForSelector("#glance-status.status-open");
      assert.equal(await page.locator("#overrides").count(), 0);
      // What a script in the viewer's page could try: its own token, HTTP and WebSocket.
      const forged = await page.evaluate(async () => {
        const me = await (await fetch("/admin/api/me")).json();
        const http = await fetch("/admin/api/requests/ShowSlate", {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": me.csrf },
          body: JSON.stringify({ requestData: { reason: "forged by a viewer" } }),
        });
        const ws = new WebSocket(`ws://${location.host}/admin/ws`);
        const answer = await new Promise<unknown>((resolve) => {
          ws.onmessage = (e) => {
            const m = JSON.parse(e.data);
            if (m.op === 0) ws.send(JSON.stringify({ op: 1, d: { rpcVersion: 1, csrf: me.csrf } }));
            if (m.op === 2) {
              ws.send(JSON.stringify({
                op: 6,
                d: { requestType: "ShowSlate", requestId: "x", requestData: { reason: "forged" } },
              }));
            }
            if (m.op === 7) resolve(m.d.requestStatus);
          };
        });
        ws.close();
        return { http: http.status, message: (await http.json()).message, ws: answer };
      });
      assert.deepEqual(forged, {
        http: 403,
        message: "ShowSlate needs the operator role",
        ws: { result: false, code: 403, comment: "ShowSlate needs the operator role" },
      });
      const compositor = engine.service<Compositor>("compositor");
      assert.notEqual(compositor.current(), "slate");
    } finally {
      await browser.close();
      await engine.stop();
    }
  },
});
