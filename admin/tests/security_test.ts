/**
 * The panel's security at the HTTP and WebSocket level, with forged requests:
 * a viewer's cookie, no or a wrong CSRF token, another origin, a cross-site
 * form, after logout, after the idle timeout and the absolute lifetime; the
 * cookie's attributes and the security headers; login throttling per account
 * and per address with a lockout that ends as configured; a request body that
 * is not a JSON object (garbage, cut short, null, an array, huge) refused with
 * the problem named.
 */
import { eventually } from "../../core/testing.ts";
import assert from "node:assert/strict";
import type { Auctions } from "../../plugins/auction/mod.ts";
import { Close } from "../protocol.ts";
import {
  httpRequest,
  openAuction,
  panelEngine,
  panelSocket,
  PASSWORD,
  sessionHeaders,
  totpCode,
} from "./panel_kit.ts";

const auctionPlugins = () => ({
  "funds-book": {},
  auction: { watermark: "clock", auctions: [openAuction()] },
});
const pause = { auctionId: "lot-1", change: { action: "pause" }, reason: "forged" };

Deno.test({
  name: "security: forged requests are refused at the HTTP and WebSocket level",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({ plugins: auctionPlugins() });
    try {
      const auctions = engine.service<Auctions>("auctions");
      const vic = await engine.enrolled("vic", "viewer");
      const olga = await engine.enrolled("olga", "operator");
      const viewer = await engine.signIn("vic", vic.secret);
      const operator = await engine.signIn("olga", olga.secret);
      const as = sessionHeaders;

      // A viewer's own cookie and token: authenticated, not authorised.
      let r = await httpRequest(engine.url, "AuctionOverride", pause, as(viewer));
      assert.equal(r.status, 403);
      assert.match(r.json.message, /AuctionOverride needs the operator role/);
      r = await httpRequest(engine.url, "GetOverview", {}, as(viewer));
      assert.equal(r.status, 200);
      assert.equal(r.json.responseData.auctions[0].status, "open");
      // An operator's cookie, but forged around it.
      const forged: Array<[string, Record<string, string>, number, RegExp]> = [
        ["no CSRF token", { cookie: operator.cookie }, 403, /CSRF/],
        [
          "a wrong CSRF token",
          { cookie: operator.cookie, "x-csrf-token": viewer.csrf },
          403,
          /CSRF/,
        ],
        [
          "another origin",
          { ...as(operator), origin: "https://evil.example" },
          403,
          /another origin/,
        ],
        ["no origin", { ...as(operator), origin: "" }, 403, /another origin/],
        [
          "a cross-site fetch",
          { ...as(operator), "sec-fetch-site": "cross-site" },
          403,
          /cross-site/,
        ],
        ["no cookie", { "x-csrf-token": operator.csrf }, 401, /sign in again/],
      ];
      for (const [what, headers, status, message] of forged) {
        r = await httpRequest(engine.url, "AuctionOverride", pause, headers);
        assert.equal(r.status, status, what);
        assert.match(r.json?.message ?? "", message, what);
      }
      // A classic cross-site form post: Hono's csrf middleware stops it before anything runs.
      const form = await fetch(`${engine.url}/admin/api/requests/AuctionOverride`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: "https://evil.example",
          cookie: operator.cookie,
        },
        body: "requestData=x",
      });
      assert.equal(form.status, 403);
      await form.body?.cancel();
      assert.equal(auctions.get("lot-1")!.status, "open", "nothing forged got through");

      // Hostile data: refused with the field named, never a 500.
      const hostile: Array<[unknown, RegExp]> = [
        [{ auctionId: "lot-1", change: { action: "drop table" }, reason: "xyz" }, /change/],
        [{ auctionId: "lot-1", change: { action: "pause" }, reason: "x" }, /reason: give a reason/],
        [{ auctionId: "lot-1'; --", change: { action: "pause" }, reason: "xyz" }, /auctionId/],
        [{ ...pause, extra: 1 }, /Unrecognized key/i],
        [
          { auctionId: "lot-1", change: { action: "extend", seconds: 1e12 }, reason: "xyz" },
          /seconds/,
        ],
      ];
      for (const [data, message] of hostile) {
        r = await httpRequest(engine.url, "AuctionOverride", data, as(operator));
        assert.equal(r.status, 400, JSON.stringify(data));
        assert.match(r.json.message, message);
      }
      r = await httpRequest(engine.url, "__proto__", {}, as(operator));
      assert.equal(r.status, 400);

      // The same request, properly made, works.
      r = await httpRequest(
        engine.url,
        "AuctionOverride",
        { ...pause, reason: "a real one" },
        as(operator),
      );
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(auctions.get("lot-1")!.status, "paused");

      // WebSocket: roles per message, origin and token at the handshake.
      const vs = panelSocket(engine.url, viewer.cookie, viewer.csrf, ["auction"]);
      await vs.identified;
      const refused = await vs.request("AuctionOverride", {
        ...pause,
        change: { action: "resume" },
      });
      assert.deepEqual(refused.requestStatus, {
        result: false,
        code: 403,
        comment: "AuctionOverride needs the operator role",
      });
      assert.equal((await vs.request("ListBids", { auctionId: "lot-1" })).requestStatus.code, 200);
      // A post X refused for good reaches a watching panel as it happens (the Auction page lists it).
      const failed = { key: "won:lot-1", kind: "won", reason: "403: reply to a deleted post" };
      engine.bus.emit("x.post-failed", failed);
      for (let i = 0; i < 100 && !vs.events.some((e) => e.eventType === "x.post-failed"); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(vs.events.find((e) => e.eventType === "x.post-failed")?.eventData, failed);
      const evil = await fetch(`${engine.url}/admin/ws`, {
        headers: { upgrade: "websocket", origin: "https://evil.example", cookie: operator.cookie },
      });
      assert.equal(evil.status, 403);
      await evil.body?.cancel();
      const anonymous = await fetch(`${engine.url}/admin/ws`, {
        headers: { upgrade: "websocket", origin: engine.url },
      });
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();
      const wrongToken = panelSocket(engine.url, operator.cookie, viewer.csrf);
      assert.equal((await wrongToken.closed).code, Close.AuthenticationFailed);
      // Before Identify, or not JSON, or too big: the socket is closed, nothing runs.
      for (
        const sent of [
          '{"op":6,"d":{"requestType":"AuctionOverride"}}',
          "not json",
          "x".repeat(70_000),
        ]
      ) {
        const raw = new WebSocket(`${engine.url.replace(/^http/, "ws")}/admin/ws`, {
          headers: { cookie: operator.cookie, origin: engine.url },
        } as never);
        raw.onopen = () => raw.send(sent);
        const code = await new Promise<number>((resolve) => (raw.onclose = (e) => resolve(e.code)));
        assert.equal(
          code,
          sent.length > 65_536 ? Close.MessageTooBig : Close.NotIdentified,
          sent.slice(0, 20),
        );
      }
      const denied = await engine.db.query<{ actor: string; action: string }>(
        "select actor, action from admin_audit where outcome = 'denied' order by id",
      );
      assert.deepEqual(denied.map((d) => [d.actor, d.action]), [
        ["vic", "denied.AuctionOverride"],
        ["vic", "denied.AuctionOverride"],
      ]);

      // After logout: the cookie is dead over HTTP, and the open socket is closed.
      const os = panelSocket(engine.url, operator.cookie, operator.csrf);
      await os.identified;
      const out = await fetch(`${engine.url}/admin/api/logout`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: engine.url, ...as(operator) },
        body: "{}",
      });
      assert.equal(out.status, 200);
      assert.match(out.headers.get("set-cookie")!, /Max-Age=0/);
      await out.body?.cancel();
      assert.equal((await os.closed).code, Close.SessionEnded);
      r = await httpRequest(
        engine.url,
        "AuctionOverride",
        { ...pause, change: { action: "resume" } },
        as(operator),
      );
      assert.equal(r.status, 401);
      const me = await fetch(`${engine.url}/admin/api/me`, {
        headers: { cookie: operator.cookie },
      });
      assert.equal(me.status, 401);
      await me.body?.cancel();
      vs.close();
    } finally {
      await engine.stop();
    }
  },
});

Deno.test({
  name:
    "security: the cookie's attributes, a new session id at every sign-in, the security headers",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine();
    try {
      const { secret, recoveryCodes } = await engine.enrolled("olga", "operator");
      const login = (code: string, cookie = "") =>
        fetch(`${engine.url}/admin/api/login`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: engine.url, cookie },
          body: JSON.stringify({ name: "olga", password: PASSWORD, code }),
        });
      const first = await login(totpCode(secret, 1));
      await first.body?.cancel();
      const setCookie = first.headers.get("set-cookie")!;
      assert.match(setCookie, /^sothebais_admin=[A-Za-z0-9_-]{43};/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      assert.match(setCookie, /Path=\/admin/);
      assert.doesNotMatch(setCookie, /Secure/, "plain HTTP: no Secure flag");
      const cookie = setCookie.split(";")[0];
      const second = await login(recoveryCodes[0], cookie);
      await second.body?.cancel();
      const rotated = second.headers.get("set-cookie")!.split(";")[0];
      assert.notEqual(rotated, cookie);
      const old = await fetch(`${engine.url}/admin/api/me`, { headers: { cookie } });
      assert.equal(old.status, 401, "the session from before the sign-in ended");
      await old.body?.cancel();
      const fresh = await fetch(`${engine.url}/admin/api/me`, { headers: { cookie: rotated } });
      assert.equal(fresh.status, 200);
      await fresh.body?.cancel();

      const page = await fetch(`${engine.url}/admin/live`);
      const html = await page.text();
      const csp = page.headers.get("content-security-policy")!;
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(page.headers.get("x-content-type-options"), "nosniff");
      assert.equal(page.headers.get("referrer-policy"), "no-referrer");
      assert.equal(page.headers.get("x-frame-options"), "DENY");
      assert.equal(page.headers.get("strict-transport-security"), null);
      assert.deepEqual(html.match(/<script[^>]*>/g), [
        '<script type="module" src="/admin/app.js">',
      ]);
      assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/, "no inline style or handler");
      const js = await fetch(`${engine.url}/admin/app.js`);
      assert.match(js.headers.get("content-type")!, /text\/javascript/);
      assert.equal(js.headers.get("x-content-type-options"), "nosniff");
      const bytes = (await js.arrayBuffer()).byteLength;
      console.log(`panel JavaScript on first load: ${(bytes / 1024).toFixed(1)} KB (minified)`);
      assert.ok(bytes < 300 * 1024, `${bytes} bytes`);
      const again = await fetch(`${engine.url}/admin/app.js`, {
        headers: { "if-none-match": js.headers.get("etag")! },
      });
      assert.equal(again.status, 304);
      await again.body?.cancel();
    } finally {
      await engine.stop();
    }
  },
});

Deno.test({
  name: "security: idle timeout and absolute lifetime end the session over HTTP and WebSocket",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({
      admin: { session: { idleSeconds: 2, maxSeconds: 5 }, sweepSeconds: 0.3 },
    });
    try {
      const { secret, recoveryCodes } = await engine.enrolled("olga", "operator");
      const idle = await engine.signIn("olga", secret);
      const socket = panelSocket(engine.url, idle.cookie, idle.csrf, ["auction"]);
      await socket.identified;
      const opened = Date.now();
      const { code } = await socket.closed;
      assert.equal(code, Close.SessionEnded);
      const after = Date.now() - opened;
      assert.ok(after >= 1500 && after < 4000, `closed after ${after} ms idle`);
      let r = await httpRequest(engine.url, "GetOverview", {}, {
        cookie: idle.cookie,
        "x-csrf-token": idle.csrf,
      });
      assert.equal(r.status, 401);
      assert.match(r.json.message, /idle too long/);

      // Active all along: still ended at the absolute lifetime.
      const busy = await fetch(`${engine.url}/admin/api/login`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: engine.url },
        body: JSON.stringify({ name: "olga", password: PASSWORD, code: recoveryCodes[0] }),
      });
      const csrf = (await busy.json()).csrf;
      const cookie = busy.headers.get("set-cookie")!.split(";")[0];
      const began = Date.now();
      const statuses: number[] = [];
      await eventually(
        async () => {
          r = await httpRequest(engine.url, "Heartbeat", {}, { cookie, "x-csrf-token": csrf });
          statuses.push(r.status);
          await new Promise((res) => setTimeout(res, 500));
          return r.status === 401;
        },
        "the absolute lifetime",
        10_000,
        50,
      );
      const lived = Date.now() - began;
      assert.ok(lived >= 4500, `ended after ${lived} ms though active`);
      assert.ok(statuses.slice(0, -1).every((s) => s === 200));
    } finally {
      await engine.stop();
    }
  },
});

Deno.test({
  name: "security: the 6th wrong password in a minute is throttled; the lockout ends as configured",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({
      admin: { login: { attempts: 5, ipAttempts: 8, windowSeconds: 60, lockoutSeconds: 2 } },
    });
    try {
      const { secret } = await engine.enrolled("olga", "operator");
      const login = async (name: string, password: string, code = "000000") => {
        const res = await fetch(`${engine.url}/admin/api/login`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: engine.url },
          body: JSON.stringify({ name, password, code }),
        });
        return { status: res.status, retry: res.headers.get("retry-after"), ...(await res.json()) };
      };
      for (let i = 1; i <= 5; i++) {
        const r = await login("olga", `guess number ${i}`);
        assert.equal(r.status, 401, `attempt ${i}`);
        assert.match(r.message, /^Wrong name or password\./);
        if (i === 5) {
          assert.match(r.message, /Too many failed sign-ins for this account: try again in 2 s\./);
        }
      }
      const sixth = await login("olga", PASSWORD, totpCode(secret, 1));
      assert.equal(sixth.status, 429, "throttled even with the right password");
      assert.equal(sixth.message, "Too many failed sign-ins for this account: try again in 2 s.");
      assert.equal(sixth.retry, "2");
      await new Promise((r) => setTimeout(r, 2200));
      const ok = await login("olga", PASSWORD, totpCode(secret, 1));
      assert.equal(ok.status, 200, ok.message);

      // Per address: failures spread over names lock the address too.
      for (let i = 0; i < 2; i++) await login(`nobody${i}`, "wrong password");
      const byAddress = await login("someone-else", "wrong password");
      assert.equal(byAddress.status, 401);
      assert.match(byAddress.message, /Too many failed sign-ins for this address/);
      const blocked = await login("olga", PASSWORD, totpCode(secret, 1));
      assert.equal(blocked.status, 429);
      // A 10,000-character password is refused before any hashing (a 400, no attempt counted).
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 2100));
      const long = await login("olga", "x".repeat(10_000));
      assert.equal(long.status, 400);
      assert.equal(long.message, "password: at most 256 characters");
      assert.ok(performance.now() - t < 4000);
      const audit = await engine.db.query<{ outcome: string; n: string }>(
        `select outcome, count(*) as n from admin_audit where action = 'session.sign-in'
         group by outcome order by outcome`,
      );
      assert.deepEqual(audit.map((a) => [a.outcome, Number(a.n)]), [
        ["denied", 2],
        ["failed", 8],
        ["ok", 1],
      ]);
    } finally {
      await engine.stop();
    }
  },
});

Deno.test({
  name: "security: a request body that is not a JSON object is a 400 naming the problem, never run",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({ plugins: auctionPlugins() });
    try {
      const olga = await engine.enrolled("olga", "operator");
      const operator = await engine.signIn("olga", olga.secret);
      const post = async (type: string, body: string) => {
        const res = await fetch(`${engine.url}/admin/api/requests/${type}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: engine.url,
            ...sessionHeaders(operator),
          },
          body,
        });
        return { status: res.status, json: await res.json().catch(() => null) };
      };
      // GetOverview needs no data: read as `{}`, each of these ran it (a 200).
      const bad: Array<[string, string, RegExp]> = [
        ["garbage", "garbage", /^the body is not valid JSON \(.+\): send a JSON object/],
        ["truncated", '{"requestData": {', /^the body is not valid JSON \(.+\)/],
        ["null", "null", /^the body is null, not an object/],
        ["an array", "[]", /^the body is an array, not an object/],
        ["an array of bodies", '[{"requestData":{}}]', /^the body is an array/],
        ["a string", '"GetOverview"', /^the body is a string, not an object/],
        ["a number", "42", /^the body is a number, not an object/],
        ["empty", "", /^the body is empty/],
        ["blank", " \n ", /^the body is empty/],
        ["a huge body", `{"requestData":{"x":"${"x".repeat(2_000_000)}"}}`, /too big/],
        ["huge garbage", "[".repeat(500_000), /too big/],
      ];
      for (const [what, body, message] of bad) {
        const r = await post("GetOverview", body);
        assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)?.slice(0, 200)}`);
        assert.equal(r.json?.ok, false, what);
        assert.match(r.json?.message ?? "", message, what);
      }
      // A state change with a garbled body is refused before it is read, and nothing changes.
      const auctions = engine.service<Auctions>("auctions");
      const cut = JSON.stringify({ requestData: { ...pause, reason: "a real one" } }).slice(0, -2);
      const r = await post("AuctionOverride", cut);
      assert.equal(r.status, 400);
      assert.match(r.json.message, /not valid JSON/);
      assert.equal(auctions.get("lot-1")!.status, "open");
      // The valid bodies still work: no data, and data.
      assert.equal((await post("GetOverview", "{}")).status, 200);
      const ok = await post("GetOverview", JSON.stringify({ requestData: {} }));
      assert.equal(ok.status, 200);
      assert.equal(ok.json.responseData.auctions[0].status, "open");
    } finally {
      await engine.stop();
    }
  },
});
