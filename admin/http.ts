/**
 * The panel's HTTP side under /admin: the page and its bundle, sign-in and
 * setup, the request endpoint and the WebSocket. Every response carries the
 * security headers (a CSP with no inline script, frame-ancestors 'none',
 * nosniff, no referrer); every state change needs the same origin (Hono's
 * `csrf` plus an Origin / Sec-Fetch-Site check for JSON) and, once signed in,
 * the session's CSRF token. A request's body that is not a JSON object is a
 * 400 naming the problem, never read as an empty one; sign-in and setup take
 * exactly their string fields, each bounded and free of control characters (a
 * 400 otherwise, before any throttle, hash or audit row).
 */
import type { Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";
import { clientAddress } from "../core/client_address.ts";
import { ACCOUNT_NAME, AccountError, type Accounts } from "./accounts.ts";
import { AssetError, listAssets, MAX_ASSET_BYTES, readAsset, storeAsset } from "./assets.ts";
import { may } from "./requests.ts";
import { assetUses } from "./scenes.ts";
import type { AuditLog } from "./audit.ts";
import type { Bundle } from "./bundle.ts";
import type { Hub } from "./hub.ts";
import { toJson } from "./hub.ts";
import { dispatch, messageOf, type RequestDeps } from "./requests.ts";
import { equalText, MAX_PASSWORD } from "./secrets.ts";
import { type Session, sessionCookie, type Sessions } from "./sessions.ts";
import { lockMessage, type LoginThrottle } from "./throttle.ts";

export interface PanelHttp {
  publicUrl: string;
  sessionMaxSeconds: number;
  sessionIdleSeconds: number;
  accounts: Accounts;
  sessions: Sessions;
  throttle: LoginThrottle;
  audit: AuditLog;
  hub: Hub;
  bundle(): Promise<Bundle>;
  deps: RequestDeps;
}

const PAGES = [
  "",
  "/",
  "/login",
  "/setup",
  "/live",
  "/auction",
  "/campaigns",
  "/scenes",
  "/assets",
  "/host",
  "/reports",
  "/system",
];
const INDEX = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Control room · SothebAIs</title><link rel="stylesheet" href="/admin/app.css"></head>
<body><div id="app"></div><script type="module" src="/admin/app.js"></script></body></html>`;

const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:", "blob:"],
  // The Host page's test line comes back as a WAV data URL.
  mediaSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The client's address for the audit and the throttles; none known is null (not "unknown"). */
const ip = (c: Context) => {
  const address = clientAddress(c);
  return address === "unknown" ? null : address;
};

const jsonLimit = bodyLimit({
  maxSize: 16 * 1024,
  onError: (c) => c.json({ ok: false, message: "the request is too big" }, 400),
});
const uploadLimit = bodyLimit({
  maxSize: MAX_ASSET_BYTES,
  onError: (c) =>
    c.json({ ok: false, message: `the file is too big: at most ${MAX_ASSET_BYTES} bytes` }, 413),
});
/** The one request whose body is not JSON: an asset's bytes. */
const isUpload = (c: Context) => c.req.method === "POST" && c.req.path === "/admin/api/assets";

export function mountPanel(http: Hono, p: PanelHttp) {
  const publicOrigin = new URL(p.publicUrl).origin;
  const secure = (c: Context) =>
    publicOrigin.startsWith("https:") || new URL(c.req.url).protocol === "https:";
  const cookieOf = (c: Context) => sessionCookie(secure(c));
  const sameOrigin = (c: Context, origin: string | undefined) =>
    !!origin && (origin === new URL(c.req.url).origin || origin === publicOrigin);
  const sessionOf = (c: Context) => p.sessions.find(getCookie(c, cookieOf(c).name));
  const fail = (c: Context, status: 400 | 401 | 403 | 404 | 409 | 429 | 500, message: string) =>
    c.json({ ok: false, message }, status);

  // Before the middleware below: an upgrade's response cannot take more headers.
  http.get("/admin/ws", async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return fail(c, 400, "a WebSocket upgrade is expected here");
    }
    if (!sameOrigin(c, c.req.header("origin"))) return fail(c, 403, "another origin");
    const session = await sessionOf(c);
    if (!session) return fail(c, 401, "sign in first");
    const from = ip(c); // the request cannot be read once upgraded
    try {
      const { socket, response } = Deno.upgradeWebSocket(c.req.raw);
      p.hub.accept(socket, session, from);
      return response;
    } catch (error) {
      return fail(c, 400, `no WebSocket: ${messageOf(error)}`); // e.g. the page went away meanwhile
    }
  });

  for (const path of ["/admin", "/admin/*"]) {
    http.use(
      path,
      async (c, next) => {
        await next(); // after secureHeaders has set its headers
        if (c.req.path.startsWith("/admin/api/")) c.header("cache-control", "no-store");
        if (!secure(c)) c.res.headers.delete("strict-transport-security");
      },
      secureHeaders({
        contentSecurityPolicy: CSP,
        xFrameOptions: "DENY",
        referrerPolicy: "no-referrer",
        strictTransportSecurity: "max-age=31536000",
      }),
      csrf({ origin: (origin, c) => sameOrigin(c, origin) }),
      async (c, next) => {
        if (c.req.method === "GET" || c.req.method === "HEAD") return await next();
        const site = c.req.header("sec-fetch-site");
        if (site && site !== "same-origin") return fail(c, 403, "a cross-site request is refused");
        if (!sameOrigin(c, c.req.header("origin"))) {
          return fail(c, 403, "a request from another origin is refused");
        }
        if (isUpload(c)) {
          if (!/^(application\/octet-stream|image\/)/.test(c.req.header("content-type") ?? "")) {
            return fail(c, 400, "send the file's bytes (content-type: application/octet-stream)");
          }
        } else if (!c.req.header("content-type")?.startsWith("application/json")) {
          return fail(c, 400, "send JSON (content-type: application/json)");
        }
        await next();
      },
      (c, next) => (isUpload(c) ? uploadLimit : jsonLimit)(c, next),
    );
  }

  for (const page of PAGES) http.get(`/admin${page}`, (c) => c.html(INDEX));
  const asset = (type: string, pick: (b: Bundle) => string) => async (c: Context) => {
    const bundle = await p.bundle();
    if (c.req.header("if-none-match") === bundle.tag) return c.body(null, 304);
    return c.body(pick(bundle), 200, {
      "content-type": `${type}; charset=utf-8`,
      "cache-control": "no-cache",
      etag: bundle.tag,
    });
  };
  http.get("/admin/app.js", asset("text/javascript", (b) => b.js));
  http.get("/admin/app.css", asset("text/css", (b) => b.css));

  /** The signed-in session with a matching CSRF token, or the response refusing it. */
  const authorised = async (c: Context): Promise<Session | Response> => {
    const session = await sessionOf(c);
    if (!session) return fail(c, 401, "Signed out (or idle too long): sign in again.");
    const token = c.req.header("x-csrf-token") ?? "";
    if (!equalText(token, session.csrf)) return fail(c, 403, "missing or wrong CSRF token");
    return session;
  };

  const h: Helpers = { fail, sessionOf, cookieOf, authorised };
  mountSignIn(http, p, h);

  mountLedgerExport(http, p, h);
  mountAssets(http, p, h);

  http.post("/admin/api/requests/:type", async (c) => {
    const session = await authorised(c);
    if (session instanceof Response) return session;
    await p.sessions.touch(session);
    const body = await objectBody(c, "send a JSON object { requestData }");
    if (typeof body === "string") return fail(c, 400, body);
    const extra = Object.keys(body).find((key) => key !== "requestData");
    if (extra !== undefined) return fail(c, 400, unknownField(extra, ["requestData"]));
    const outcome = await dispatch(
      c.req.param("type"),
      body.requestData,
      { session, ip: ip(c) },
      p.deps,
    ).catch((error) => ({ ok: false as const, code: 500, message: messageOf(error) }));
    return new Response(
      toJson(outcome.ok ? { ok: true, responseData: outcome.data } : outcome),
      {
        status: outcome.ok ? 200 : outcome.code,
        headers: { "content-type": "application/json" },
      },
    );
  });
}

/**
 * A request's body as a JSON object, or what is wrong with it (a 400's message): garbage, cut
 * short, `null`, an array or a bare value is refused, never read as `{}` (which a request that
 * needs no data would run on).
 */
async function objectBody(c: Context, wanted: string): Promise<Record<string, unknown> | string> {
  const text = await c.req.text();
  if (!text.trim()) return `the body is empty: ${wanted}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `the body is not valid JSON (${messageOf(error).slice(0, 120)}): ${wanted}`;
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  return `the body is ${kindOf(value)}, not an object: ${wanted}`;
}

const kindOf = (v: unknown) =>
  v === null
    ? "null"
    : Array.isArray(v)
    ? "an array"
    : typeof v === "object"
    ? "an object"
    : `a ${typeof v}`;

/** Never in a name, a password, a code or a token (a browser's field cannot type them). */
// deno-lint-ignore no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

const unknownField = (key: string, wanted: string[]) =>
  `unknown field ${JSON.stringify(key.slice(0, 40))}: send only ${wanted.join(", ")}`;

/**
 * A sign-in or setup body: a JSON object of exactly these string fields, each at most its
 * bound, or what is wrong with it (a 400's message). A field missing or of another type, too
 * long, holding a control character (NUL…), or a key not asked for is refused, never read as
 * "" and then answered as a failed sign-in.
 */
async function stringFields<K extends string>(
  c: Context,
  bounds: Record<K, number>,
): Promise<Record<K, string> | string> {
  const keys = Object.keys(bounds) as K[];
  const body = await objectBody(c, `send a JSON object { ${keys.join(", ")} }`);
  if (typeof body === "string") return body;
  const extra = Object.keys(body).find((key) => !keys.includes(key as K));
  if (extra !== undefined) return unknownField(extra, keys);
  const fields = {} as Record<K, string>;
  for (const key of keys) {
    const v = body[key];
    if (typeof v !== "string") {
      return `${key}: ${v === undefined ? "missing" : `${kindOf(v)}, not a string`}`;
    }
    if (v.length > bounds[key]) return `${key}: at most ${bounds[key]} characters`;
    if (CONTROL.test(v)) return `${key}: control characters (NUL, newline…) are refused`;
    fields[key] = v;
  }
  return fields;
}

interface Helpers {
  fail(c: Context, status: 400 | 401 | 403 | 404 | 409 | 429 | 500, message: string): Response;
  sessionOf(c: Context): Promise<Session | null>;
  cookieOf(c: Context): { name: string; path: string; secure: boolean };
  authorised(c: Context): Promise<Session | Response>;
}

/** The ledger as a file (CSV export): a GET the browser downloads, signed in; exporting is audited. */
function mountLedgerExport(http: Hono, p: PanelHttp, h: Helpers) {
  const { fail, sessionOf } = h;
  http.get("/admin/api/reports/ledger.csv", async (c) => {
    const session = await sessionOf(c);
    if (!session) return fail(c, 401, "Signed out (or idle too long): sign in again.");
    const outcome = await dispatch(
      "GetLedger",
      { from: c.req.query("from") || undefined, to: c.req.query("to") || undefined },
      { session, ip: ip(c) },
      p.deps,
    );
    if (!outcome.ok) return fail(c, outcome.code === 400 ? 400 : 500, outcome.message);
    await p.audit.write({
      actor: session.name,
      action: "report.export",
      subject: "ledger.csv",
      params: { from: c.req.query("from") ?? null, to: c.req.query("to") ?? null },
      outcome: "ok",
      ip: ip(c),
    });
    return c.body((outcome.data as { csv: string }).csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="ledger.csv"',
    });
  });
}

/** Assets: upload (admins; the bytes checked and re-encoded), list and preview (signed in). */
function mountAssets(http: Hono, p: PanelHttp, h: Helpers) {
  const { fail, sessionOf, authorised } = h;
  const assetsDir = () => p.deps.compositor?.widgets.assets.dir;
  http.post("/admin/api/assets", async (c) => {
    const session = await authorised(c);
    if (session instanceof Response) return session;
    const dir = assetsDir();
    if (!dir) return fail(c, 404, "the compositor is not running in this engine");
    const name = c.req.query("name") ?? "";
    if (!may(session.role, "admin")) {
      await p.audit.write({
        actor: session.name,
        action: "denied.asset.upload",
        subject: name.slice(0, 100),
        reason: `needs the admin role; ${session.name} is ${session.role}`,
        outcome: "denied",
        ip: ip(c),
      });
      return fail(c, 403, "uploading an asset needs the admin role");
    }
    await p.sessions.touch(session);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    try {
      const stored = await storeAsset(dir, name, bytes);
      await p.deps.compositor!.widgets.assets.load(stored.path);
      await p.audit.write({
        actor: session.name,
        action: "asset.upload",
        subject: stored.path,
        after: stored,
        outcome: "ok",
        ip: ip(c),
      });
      p.deps.notify("AuditAppended", { action: "asset.upload" });
      return c.json({ ok: true, asset: stored });
    } catch (error) {
      if (!(error instanceof AssetError)) throw error;
      await p.audit.write({
        actor: session.name,
        action: "asset.upload",
        subject: name.slice(0, 100),
        after: { error: error.message, bytes: bytes.length },
        outcome: "failed",
        ip: ip(c),
      });
      return fail(c, 400, error.message);
    }
  });
  http.get("/admin/api/assets", async (c) => {
    const session = await sessionOf(c);
    if (!session) return fail(c, 401, "Signed out (or idle too long): sign in again.");
    const dir = assetsDir();
    const uses = await assetUses(p.deps.scenes);
    const assets = dir ? await listAssets(dir) : [];
    return c.json({
      ok: true,
      assets: assets.map((a) => ({ ...a, usedBy: uses.get(a.path) ?? [] })),
    });
  });
  http.get("/admin/api/assets/uploads/:file", async (c) => {
    const session = await sessionOf(c);
    if (!session) return fail(c, 401, "Signed out (or idle too long): sign in again.");
    const dir = assetsDir();
    const asset = dir ? await readAsset(dir, c.req.param("file")) : null;
    if (!asset) return fail(c, 404, "no such asset");
    return c.body(asset.bytes, 200, { "content-type": asset.type });
  });
}

/** A setup token is 43 characters (32 bytes, base64url); a code 6 digits or a recovery code. */
const TOKEN_MAX = 200;
const CODE_MAX = 40;
const LOGIN_FIELDS = { name: 64, password: MAX_PASSWORD, code: CODE_MAX };
const SETUP_FIELDS = { token: TOKEN_MAX, password: MAX_PASSWORD, code: CODE_MAX };

/** Sign-in (throttled, audited, a new session id), sign-out, who am I, and account setup. */
function mountSignIn(http: Hono, p: PanelHttp, h: Helpers) {
  const { fail, sessionOf, cookieOf, authorised } = h;
  http.post("/admin/api/login", async (c) => {
    const body = await stringFields(c, LOGIN_FIELDS);
    if (typeof body === "string") return fail(c, 400, body);
    const name = body.name.trim().toLowerCase();
    const { password, code } = body;
    const actor = ACCOUNT_NAME.test(name) ? name : "(not a name)";
    const from = ip(c);
    const lock = await p.throttle.lockedFor(name, from);
    if (lock) {
      await p.audit.write({
        actor,
        action: "session.sign-in",
        outcome: "denied",
        reason: lockMessage(lock),
        ip: from,
      });
      c.header("retry-after", String(lock.seconds));
      return fail(c, 429, lockMessage(lock));
    }
    const result = await p.accounts.verifyLogin(name, password, code);
    if (!result.ok) {
      const locked = await p.throttle.failed(name, from);
      await p.audit.write({
        actor,
        action: "session.sign-in",
        outcome: "failed",
        reason: result.message,
        ip: from,
      });
      return fail(c, 401, locked ? `${result.message} ${lockMessage(locked)}` : result.message);
    }
    await p.throttle.succeeded(name);
    // A new id at every sign-in; a session the browser still had ends.
    const old = await sessionOf(c);
    if (old) await p.sessions.end(old);
    const { id, csrf: token } = await p.sessions.create(result.account, from);
    const cookie = cookieOf(c);
    setCookie(c, cookie.name, id, {
      path: cookie.path,
      secure: cookie.secure,
      httpOnly: true,
      sameSite: "Strict",
      maxAge: p.sessionMaxSeconds,
    });
    const recoveryLeft = await p.accounts.recoveryLeft(result.account.id);
    await p.audit.write({
      actor: result.account.name,
      action: "session.sign-in",
      outcome: "ok",
      params: { with: result.used, recoveryLeft },
      ip: from,
    });
    return c.json({
      ok: true,
      name: result.account.name,
      role: result.account.role,
      csrf: token,
      recoveryLeft,
    });
  });

  http.post("/admin/api/logout", async (c) => {
    const session = await authorised(c);
    if (session instanceof Response) return session;
    await p.sessions.end(session);
    p.hub.endSession(session.idHash);
    const cookie = cookieOf(c);
    setCookie(c, cookie.name, "", { path: cookie.path, secure: cookie.secure, maxAge: 0 });
    await p.audit.write({
      actor: session.name,
      action: "session.sign-out",
      outcome: "ok",
      ip: ip(c),
    });
    return c.json({ ok: true });
  });

  http.get("/admin/api/me", async (c) => {
    const session = await sessionOf(c);
    if (!session) return fail(c, 401, "not signed in");
    await p.sessions.touch(session); // loading the page is the user's doing
    return c.json({
      ok: true,
      name: session.name,
      role: session.role,
      csrf: session.csrf,
      idleSeconds: p.sessionIdleSeconds,
      expiresAt: session.expiresAt.toISOString(),
    });
  });

  http.post("/admin/api/setup/start", async (c) => {
    const body = await stringFields(c, { token: TOKEN_MAX });
    if (typeof body === "string") return fail(c, 400, body);
    try {
      const setup = await p.accounts.startSetup(body.token);
      return c.json({ ok: true, ...setup });
    } catch (error) {
      if (error instanceof AccountError) return fail(c, 400, error.message);
      throw error;
    }
  });

  http.post("/admin/api/setup/finish", async (c) => {
    const body = await stringFields(c, SETUP_FIELDS);
    if (typeof body === "string") return fail(c, 400, body);
    try {
      const done = await p.accounts.finishSetup(body.token, body.password, body.code);
      await p.audit.write({
        actor: done.account.name,
        action: "account.setup",
        subject: done.account.name,
        outcome: "ok",
        after: { role: done.account.role, status: "active", totp: "enrolled" },
        ip: ip(c),
      });
      return c.json({ ok: true, name: done.account.name, recoveryCodes: done.recoveryCodes });
    } catch (error) {
      if (error instanceof AccountError) return fail(c, 400, error.message);
      throw error;
    }
  });
}
