/// <reference lib="dom" />
/**
 * Test kit for the panel: a real engine (the admin plugin with the auction and
 * funds book, optionally the compositor and more) serving HTTP on a free port,
 * accounts made through the `admin` command's own code, enrolment and sign-in
 * over HTTP with TOTP codes computed from the secret, a WebSocket client that
 * speaks the panel's protocol, and headless Chromium.
 */
import { eventually } from "../../core/testing.ts";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { Secret, TOTP } from "otpauth";
import { loadPlugins, type PluginEntry, readSettings } from "../../core/config.ts";
import { type Engine, startEngine } from "../../core/engine.ts";
import { createLog } from "../../core/log.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { type TestStorage, testStorage } from "../../tests/engine.ts";
import { commandWorks, serviceAvailable } from "../../tests/services.ts";
import { cli, exited, killLeftoverAnvil, killQuietly } from "../../tests/cli.ts";
import { adminCommand } from "../cli.ts";
import { adminConfig } from "../config.ts";
import { Op } from "../protocol.ts";

export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
export const chromiumReady = () =>
  serviceAvailable("chromium", () => commandWorks(CHROMIUM, ["--version"]));

/** Where screenshots go: a gitignored folder of the project. */
export const ARTIFACTS = new URL("../../data/test-artifacts/admin/", import.meta.url).pathname;

export const ETH = 10n ** 18n;
export const PASSWORD = "correct horse battery staple";

export interface PanelEngine extends Engine {
  url: string;
  /** `main.ts admin add`'s code, in process: returns the setup token. */
  addAccount(name: string, role: string): Promise<string>;
  /** Account added and enrolled over HTTP; returns its TOTP secret and recovery codes. */
  enrolled(name: string, role: string): Promise<{ secret: string; recoveryCodes: string[] }>;
  /** Signs in over HTTP (with the next TOTP code, or `code`); returns the cookie and the CSRF token. */
  signIn(name: string, secret: string, code?: string): Promise<{ cookie: string; csrf: string }>;
  adminConfig: Record<string, unknown>;
}

export interface PanelOptions {
  /** More plugins before the admin plugin (by folder name under plugins/), with configs. */
  plugins?: Record<string, Record<string, unknown>>;
  admin?: Record<string, unknown>;
  env?: Record<string, string>;
  /** The engine's clock (default the system's); setup links and sessions follow it. */
  clock?: Clock;
  /** Storage that outlives this engine (a restart); default: its own, removed at stop. */
  storage?: TestStorage;
}

export async function panelEngine(o: PanelOptions = {}): Promise<PanelEngine> {
  const storage = o.storage ?? testStorage();
  const env = { ...storage.env, ...o.env };
  const pluginEntries = o.plugins ?? { "funds-book": {}, auction: { watermark: "clock" } };
  const entries: PluginEntry[] = [
    ...Object.entries(pluginEntries).map(([name, config]) => ({
      label: name,
      specifier: new URL(`../../plugins/${name}/mod.ts`, import.meta.url).href,
      config,
    })),
    {
      label: "admin",
      specifier: new URL("../mod.ts", import.meta.url).href,
      config: o.admin ?? {},
    },
  ];
  const settings = readSettings(env);
  const { plugins, secrets } = await loadPlugins(entries, env);
  let engine: Engine;
  try {
    engine = await startEngine({
      settings,
      plugins,
      listen: true,
      clock: o.clock,
      log: createLog("test", { level: settings.LOG_LEVEL, secrets }),
    });
  } catch (error) {
    if (!o.storage) await storage.remove();
    throw error;
  }
  const url = engine.url!;
  const config = adminConfig.parse({ publicUrl: url, ...o.admin });
  const addAccount = async (name: string, role: string) => {
    const lines: string[] = [];
    const code = await adminCommand.run(
      {
        config,
        db: engine.db,
        clock: o.clock ?? systemClock(),
        dataDir: `${settings.DATA_DIR}/admin`,
        secrets: engine.secrets.box,
        secretsSource: engine.secrets.source,
        print: (l) => lines.push(l),
      },
      { role },
      ["add", name],
    );
    if (code !== 0) throw new Error(`admin add ${name} failed`);
    return lines.find((l) => l.includes("/admin/setup#"))!.split("#")[1];
  };
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: url, ...headers },
      body: JSON.stringify(body),
    });
    return { res, json: await res.json() };
  };
  return {
    ...engine,
    url,
    adminConfig: config,
    addAccount,
    async enrolled(name, role) {
      const token = await addAccount(name, role);
      const { json: start } = await post("/admin/api/setup/start", { token });
      const { json: done } = await post("/admin/api/setup/finish", {
        token,
        password: PASSWORD,
        code: totpCode(start.secret),
      });
      if (!done.ok) throw new Error(`setup of ${name}: ${done.message}`);
      return { secret: start.secret, recoveryCodes: done.recoveryCodes };
    },
    async signIn(name, secret, code) {
      // The enrolment used this step's code: the next one (accepted one step early) signs in.
      const { res, json } = await post("/admin/api/login", {
        name,
        password: PASSWORD,
        code: code ?? totpCode(secret, 1),
      });
      if (!json.ok) throw new Error(`sign-in of ${name}: ${json.message}`);
      const cookie = res.headers.getSetCookie()[0].split(";")[0];
      return { cookie, csrf: json.csrf };
    },
    async stop() {
      await engine.stop();
      if (!o.storage) await storage.remove();
    },
  };
}

/** The TOTP code for now (+ `steps` periods of 30 s). */
/** The code `steps` periods after `at` (ms; the test's clock when the store runs on one). */
export function totpCode(secret: string, steps = 0, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" })
    .generate({ timestamp: at + steps * 30_000 });
}

/** A panel WebSocket client in the test: Hello, Identify, requests by id, events, close code. */
export function panelSocket(
  url: string,
  cookie: string,
  csrf: string,
  subscriptions: string[] = [],
  origin = url,
) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/admin/ws`, {
    headers: { cookie, origin },
  } as never);
  ws.binaryType = "arraybuffer";
  const events: Array<{ eventType: string; eventData: unknown; at: number }> = [];
  const frames: Array<{ bytes: number; at: number }> = [];
  const waiting = new Map<string, (d: unknown) => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason });
  });
  const identified = Promise.withResolvers<unknown>();
  let id = 0;
  ws.onmessage = (e) => {
    if (e.data instanceof ArrayBuffer) {
      return void frames.push({ bytes: e.data.byteLength, at: Date.now() });
    }
    const m = JSON.parse(e.data);
    if (m.op === Op.Hello) {
      ws.send(JSON.stringify({ op: Op.Identify, d: { rpcVersion: 1, csrf, subscriptions } }));
    } else if (m.op === Op.Identified) identified.resolve(m.d);
    else if (m.op === Op.Event) events.push({ ...m.d, at: Date.now() });
    else if (m.op === Op.RequestResponse) waiting.get(m.d.requestId)?.(m.d);
  };
  ws.onerror = () => {};
  const whenIdentified = Promise.race([identified.promise, closed.then((c) => Promise.reject(c))]);
  whenIdentified.catch(() => {}); // a test that expects a refusal awaits `closed` instead
  return {
    ws,
    events,
    frames,
    closed,
    identified: whenIdentified,
    request(requestType: string, requestData: unknown = {}) {
      const requestId = String(++id);
      const { promise, resolve } = Promise.withResolvers<
        { requestStatus: { result: boolean; code: number; comment?: string }; responseData: never }
      >();
      waiting.set(requestId, resolve as never);
      ws.send(JSON.stringify({ op: Op.Request, d: { requestType, requestId, requestData } }));
      return promise;
    },
    close: () => ws.close(),
  };
}

/** A signed-in session's headers for a panel request: its cookie and its CSRF token. */
export const sessionHeaders = (s: { cookie: string; csrf: string }) => ({
  cookie: s.cookie,
  "x-csrf-token": s.csrf,
});

/**
 * A panel request over HTTP (`POST /admin/api/requests/:type`) from the panel's own
 * origin, with the headers given (a session's, or a forgery's); the JSON answer or null.
 */
export async function httpRequest(
  url: string,
  type: string,
  requestData: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${url}/admin/api/requests/${type}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url, ...headers },
    body: JSON.stringify({ requestData }),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** Headless Chromium (and the screenshots' folder, which every browser test writes to). */
export async function launchChromium() {
  Deno.mkdirSync(ARTIFACTS, { recursive: true });
  return await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/**
 * The opening of a panel browser test: a new account of `role` enrolled over HTTP, and a page
 * of its own (in `opener`: a browser, or a context several pages share) signed in through the
 * form at `path`.
 */
export async function signedInPage(
  opener: Browser | BrowserContext,
  engine: PanelEngine,
  who: { name: string; role: string },
  path: string,
  viewport?: { width: number; height: number },
): Promise<{ page: Page; secret: string }> {
  const { secret } = await engine.enrolled(who.name, who.role);
  const page = "newContext" in opener
    ? await opener.newPage(viewport ? { viewport } : {})
    : await opener.newPage();
  if (viewport && !("newContext" in opener)) await page.setViewportSize(viewport);
  await browserSignIn(page, engine.url, who.name, secret, path);
  return { page, secret };
}

/** Signs a browser page in through the form (the enrolment used this step's code: the next one). */
export async function browserSignIn(
  page: import("playwright-core").Page,
  url: string,
  name: string,
  secret: string,
  path = "/admin/live",
) {
  await page.goto(`${url}${path}`);
  await page.fill("#name", name);
  await page.fill("#password", PASSWORD);
  await page.fill("#code", totpCode(secret, 1));
  await page.click("#sign-in");
  await page.waitForSelector("#who");
}

/** A new account's first visit: the setup link, a password, the authenticator's code, then sign-in. */
export async function browserEnrol(
  page: import("playwright-core").Page,
  link: string,
  name: string,
) {
  await page.goto(link);
  const secret = (await page.textContent("#totp-secret"))!;
  await page.fill("#new-password", PASSWORD);
  await page.fill("#new-password-again", PASSWORD);
  await page.fill("#setup-code", totpCode(secret));
  await page.click("#finish-setup");
  await page.waitForSelector("#recovery-codes li");
  await page.click("#to-login");
  await page.fill("#name", name);
  await page.fill("#password", PASSWORD);
  await page.fill("#code", totpCode(secret, 1));
  await page.click("#sign-in");
  await page.waitForSelector("#who");
  return secret;
}

/** Notes when each `[data-tweet]` element first appears on the page (a decision shown). */
export async function watchTweets(page: import("playwright-core").Page) {
  await page.evaluate(() => {
    const w = globalThis as unknown as { seen: Record<string, number> };
    w.seen = {};
    new MutationObserver(() => {
      for (const el of document.querySelectorAll("[data-tweet]")) {
        w.seen[(el as HTMLElement).dataset.tweet!] ??= Date.now();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
}

/** When the tweet `id` first showed on a watched page (waits up to 5 s for it). */
export async function tweetSeenAt(page: import("playwright-core").Page, id: string) {
  const seen = (id: string) => (globalThis as unknown as { seen: Record<string, number> }).seen[id];
  await page.waitForFunction(seen, id, { timeout: 5000 });
  return await page.evaluate(seen, id);
}

/** Every widget plugin with a config that draws (the artwork without a catalogue shows its placeholder). */
export function showPlugins(extra: Record<string, Record<string, unknown>> = {}) {
  const widgets = [...Deno.readDirSync(new URL("../../plugins/", import.meta.url))]
    .filter((e) => e.isDirectory && e.name.startsWith("widget-")).map((e) => e.name).sort();
  return {
    compositor: {},
    ...Object.fromEntries(widgets.map((w) => [w, {}])),
    voice: {},
    stream: {},
    slate: {},
    ...extra,
  };
}

/** New York ISO text of an instant, as the auction's config takes it. */
export const iso = (t: Temporal.Instant) =>
  t.toZonedDateTimeISO("America/New_York").toString({ timeZoneName: "never" });

/** An auction config, open from a minute ago for `hours`. */
export function openAuction(id = "lot-1", item = "Genesis #1", hours = 1) {
  const now = Temporal.Now.instant();
  return {
    id,
    item,
    startsAt: iso(now.subtract({ minutes: 1 })),
    endsAt: iso(now.add({ hours })),
    maxEndsAt: iso(now.add({ hours: hours + 1 })),
    reserve: "1 ETH",
  };
}

export { freePort } from "../../tests/cli.ts";

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

/**
 * `main.ts admin add` against a show's config, as an operator types it (before the engine
 * holds the data folder): the setup link it prints.
 */
export async function cliAddAccount(
  name: string,
  role: string,
  config: string,
  env: Record<string, string>,
): Promise<string> {
  const out = await cli(["admin", "add", name, "--role", role, "--config", config], env).output();
  const printed = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) throw new Error(`admin add ${name}: ${new TextDecoder().decode(out.stderr)}`);
  const link = printed.match(/(http:\/\/\S+\/admin\/setup#\S+)/)?.[1];
  if (!link) throw new Error(`admin add ${name} printed no setup link: ${printed}`);
  return link;
}

/** A `main.ts start` of the tests: its process, and a stop that cannot hang. */
export interface ShowProcess {
  child: Deno.ChildProcess;
  /** Its stderr so far (read once it has stopped). */
  stderr: Promise<string>;
  /** SIGINT, up to 20 s for a clean stop, then SIGKILL (and its embedded anvil). */
  stop(): Promise<void>;
}

/**
 * `main.ts start --config` in a child process on `url`'s port, once its /healthz says it
 * leads (answering is not enough: until the plugins have started only health answers).
 */
export async function startShow(
  config: string,
  env: Record<string, string>,
  url: string,
  ms = 120_000,
): Promise<ShowProcess> {
  const child = cli(["start", "--config", config], env).spawn();
  const stderr = new Response(child.stderr).text();
  void new Response(child.stdout).text();
  let stopped: Promise<void> | null = null;
  const show: ShowProcess = {
    child,
    stderr,
    stop: () =>
      stopped ??= (async () => {
        killQuietly(child, "SIGINT");
        await exited(child, 20_000);
        if (env.DATA_DIR) killLeftoverAnvil(env.DATA_DIR);
      })(),
  };
  const gone = child.status.then(() => true);
  try {
    await eventually(
      async () => {
        if (await Promise.race([gone, Promise.resolve(false)])) {
          throw new Error(`the show exited before it led: ${await stderr}`);
        }
        const body = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.json()).catch(() => null);
        return body?.checks?.lease?.role === "leader";
      },
      `the show on ${url}`,
      ms,
      50,
    );
  } catch (error) {
    await show.stop();
    console.log(await stderr);
    throw error;
  }
  return show;
}
