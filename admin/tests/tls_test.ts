/**
 * With TLS configured (TLS_CERT_FILE / TLS_KEY_FILE) the engine serves HTTPS,
 * the panel's cookie is `__Host-` and Secure, HSTS is sent, and the page's
 * WebSocket is WSS: a browser signs in and gets live data over it.
 */
import assert from "node:assert/strict";
import { commandWorks, serviceAvailable } from "../../tests/services.ts";
import {
  CHROMIUM,
  chromiumReady,
  panelEngine,
  PASSWORD,
  showPlugins,
  totpCode,
} from "./panel_kit.ts";
import { chromium } from "playwright-core";

const ready = (await chromiumReady()) &&
  (await serviceAvailable("openssl", () => commandWorks("openssl", ["version"])));

Deno.test({
  name: "TLS: HTTPS, a Secure __Host- cookie, HSTS, and the panel's live data over WSS",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "sothebais-tls-" });
    const made = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-addext",
        "extendedKeyUsage=serverAuth",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.ok(made.success, "openssl made a certificate");
    const engine = await panelEngine({
      env: { TLS_CERT_FILE: `${dir}/cert.pem`, TLS_KEY_FILE: `${dir}/key.pem` },
      plugins: { "funds-book": {}, auction: { watermark: "clock" }, ...showPlugins() },
    });
    const client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(`${dir}/cert.pem`)] });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      assert.match(engine.url, /^https:\/\//);
      const token = await engine.addAccount("olga", "operator");
      const post = (path: string, body: unknown) =>
        fetch(`${engine.url}${path}`, {
          method: "POST",
          client,
          headers: { "content-type": "application/json", origin: engine.url },
          body: JSON.stringify(body),
        });
      const start = await (await post("/admin/api/setup/start", { token })).json();
      const finish = await post("/admin/api/setup/finish", {
        token,
        password: PASSWORD,
        code: totpCode(start.secret),
      });
      assert.equal(finish.status, 200);
      await finish.body?.cancel();
      const login = await post("/admin/api/login", {
        name: "olga",
        password: PASSWORD,
        code: totpCode(start.secret, 1),
      });
      await login.body?.cancel();
      const cookie = login.headers.get("set-cookie")!;
      assert.match(cookie, /^__Host-sothebais_admin=/);
      assert.match(cookie, /Secure/);
      assert.match(cookie, /Path=\//);
      assert.match(cookie, /HttpOnly/);
      assert.equal(login.headers.get("strict-transport-security"), "max-age=31536000");

      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      await context.addCookies([{
        name: "__Host-sothebais_admin",
        value: cookie.split(";")[0].split("=")[1],
        url: engine.url,
        secure: true,
        httpOnly: true,
        sameSite: "Strict",
      }]);
      const page = await context.newPage();
      const sockets: string[] = [];
      page.on("websocket", (ws) => sockets.push(ws.url()));
      await page.goto(`${engine.url}/admin/live`);
      await page.waitForSelector("#who");
      await page.waitForSelector("#program[data-index]", { state: "attached" });
      assert.deepEqual(sockets, [`${engine.url.replace("https:", "wss:")}/admin/ws`]);
    } finally {
      await browser.close();
      client.close();
      await engine.stop();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
