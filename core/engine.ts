/**
 * The engine: opens storage, applies each plugin's migrations, starts the
 * plugins in order of their needs, serves HTTP, and stops them in reverse.
 *
 * Engines sharing one Postgres elect one holder of the lease (core/lease.ts); an
 * engine that does not hold it is a standby: it serves `/healthz` (saying who
 * leads), `/metrics` and the read-only pages of plugins with a `standby` (core/standby.ts),
 * and starts no plugin — no migration, no decision, no post — until it takes the lease
 * over, then starts like a restart, from Postgres. Before any plugin starts, everything the
 * plugins keep sealed is brought under the current key (core/sealed_columns.ts), or the start
 * stops naming the value that does not open.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { type Bus, createBus, type EventsOf, scopeBus } from "./bus.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { LoadedPlugin, Settings } from "./config.ts";
import { acquireDataLock, type DataLock } from "./data_lock.ts";
import { countStatements, type Db, openDb } from "./db.ts";
import { createLog, type Log } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { type Lease, postgresLease, soleLease } from "./lease.ts";
import { migrate, readMigrations } from "./migrate.ts";
import { describeResealed, resealAll } from "./sealed_columns.ts";
import { type Secrets, secretsOf } from "./secret_key.ts";
import type { HealthStatus, Plugin, PluginContext, Teardown } from "./plugin.ts";
import { type Standby, startStandby } from "./standby.ts";
import { openState, type StateStore } from "./state.ts";
import { withTimeout } from "./timeout.ts";

/** The events the engine itself owns (the catalogue names their owner `core`). */
export const coreEvents = {
  /** Every plugin has started: work that needs them all in place (e.g. HTTP to itself) may begin. */
  "engine.started": z.object({ plugins: z.array(z.string()), url: z.string().nullable() }),
};

declare module "./bus.ts" {
  interface Events extends EventsOf<typeof coreEvents> {}
}

export interface EngineOptions {
  settings: Settings;
  plugins: LoadedPlugin[];
  clock?: Clock;
  log?: Log;
  /** Serve HTTP on settings.HOST:PORT (default true). */
  listen?: boolean;
  /**
   * A held lease was lost (another engine leads now). Default: stop this engine. The CLI
   * exits at once instead: nothing this engine holds in memory is to be trusted any more.
   */
  onLeaseLost?: (why: string) => void;
  /** Called once while this engine waits as a standby (its HTTP is served already). */
  onStandby?: (holder: string | null) => void;
}

export interface Engine {
  bus: Bus;
  clock: Clock;
  db: Db;
  state: StateStore;
  metrics: Metrics;
  http: Hono;
  log: Log;
  lease: Lease;
  /** The box the plugins seal data at rest with (core/secret_key.ts). */
  secrets: Secrets;
  /** Where HTTP is served, when listening. */
  url?: string;
  /** Loaded plugin names, in start order. */
  plugins: string[];
  /** Where to look, by label: absolute URLs (paths of this engine resolved against `url`). */
  pages: Record<string, string>;
  service<T = unknown>(name: string): T;
  health(): Promise<
    { ok: boolean; status: "ok" | "degraded" | "down"; checks: Record<string, HealthStatus> }
  >;
  stop(): Promise<void>;
}

/**
 * Opens the database with the data-folder lock: always for an engine (the folder holds more
 * than PGlite), and for other commands when the database is PGlite in that folder.
 */
export async function openDatabase(
  settings: Settings,
  log?: Log,
  options: { lock?: boolean } = {},
): Promise<{ db: Db; lock?: DataLock }> {
  const lock = (options.lock ?? !settings.DATABASE_URL)
    ? acquireDataLock(settings.DATA_DIR)
    : undefined;
  try {
    const db = await openDb({
      url: settings.DATABASE_URL,
      schema: settings.DATABASE_SCHEMA,
      dataDir: `${settings.DATA_DIR}/pglite`,
      log,
    });
    return { db, lock };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** Applies every plugin's migrations, in plugin order; returns `owner/id` of those applied now. */
export async function migratePlugins(db: Db, plugins: LoadedPlugin[]): Promise<string[]> {
  const applied: string[] = [];
  for (const { plugin } of plugins) {
    if (!plugin.migrations) continue;
    const ids = await migrate(db, plugin.name, await readMigrations(plugin.migrations));
    applied.push(...ids.map((id) => `${plugin.name}/${id}`));
  }
  return applied;
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const began = performance.now();
  const { settings } = options;
  const clock = options.clock ?? systemClock();
  const log = options.log ?? createLog("engine", { level: settings.LOG_LEVEL });
  const metrics = createMetrics();
  const bus = createBus(clock, log.child("bus"));
  // The key first: a key that is not one stops the start before anything is opened.
  const secrets = await secretsOf(settings);
  const { db: rawDb, lock } = await openDatabase(settings, log, { lock: true });
  const db = measured(rawDb, metrics);
  const state = await openState({ url: settings.REDIS_URL, prefix: settings.STATE_PREFIX });
  const lease = settings.DATABASE_URL
    ? postgresLease({ url: settings.DATABASE_URL, schema: settings.DATABASE_SCHEMA })
    : soleLease();
  const http = new Hono();
  const services = new Map<string, unknown>();
  const checks = new Map<string, () => Promise<HealthStatus> | HealthStatus>();
  const teardowns: Array<[string, Teardown]> = [];
  const pages = new Map<string, string>();

  let ready = false;
  addCoreChecks(checks, { db, lease, state, ready: () => ready });
  watchProcess(metrics, bus);

  const { runChecks, health } = healthOf(checks);

  const { basics, unavailable } = basicsOf(settings.HTTP_BODY_LIMIT_BYTES, health, metrics, lease);
  basics(http);
  // Until the plugins have started, only health and metrics answer; a standby adds the
  // read-only pages of the plugins that serve them (core/standby.ts).
  const waiting = new Hono();
  basics(waiting);
  waiting.all("*", unavailable);
  let front = waiting;
  let standby: Standby | undefined;

  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await standby?.stop();
    for (const [name, teardown] of teardowns.reverse()) {
      try {
        await withTimeout(Promise.resolve(teardown()), 1500, "timed out");
      } catch (error) {
        log.error("plugin teardown failed", { plugin: name, error });
      }
    }
    teardowns.length = 0;
    await server?.shutdown();
    await lease.close();
    await state.close();
    await db.close();
    lock?.release();
  };

  lease.onLost((why) => {
    log.error("lost the lease: another engine may lead now", { why });
    (options.onLeaseLost ?? (() => void stop()))(why);
  });
  // Listening starts once there is something true to say: as a standby, or with every plugin
  // started (a caller waiting for the port must not find a half-started engine).
  const listen = () => {
    if (server || !(options.listen ?? true)) return undefined;
    server = Deno.serve(
      { hostname: settings.HOST, port: settings.PORT, onListen: () => {}, ...tlsOf(settings) },
      (request, info) => (ready ? http : front).fetch(request, info),
    );
    return `${settings.TLS_CERT_FILE ? "https" : "http"}://${settings.HOST}:${server.addr.port}`;
  };
  try {
    await waitForLease(lease, log, async () => {
      standby = await startStandby({
        plugins: options.plugins,
        db,
        clock,
        log,
        metrics,
        basics,
        unavailable,
      });
      front = standby.app;
      return listen();
    }, options.onStandby);
    // Taken over: the standby's pages stop before the plugins start for real.
    await standby?.stop();
    front = waiting;
    await prepareStart(db, bus, secrets, options.plugins, log);
    const shared = { services, checks, pages, runChecks };
    const parts: EngineParts = {
      bus,
      clock,
      log,
      db,
      state,
      metrics,
      http,
      lease,
      settings,
      secrets: secrets.box,
      ...shared,
    };
    await startPlugins(options.plugins, parts, teardowns);
    listen();
  } catch (error) {
    await stop();
    throw error;
  }

  const names = options.plugins.map((p) => p.plugin.name);
  const scheme = settings.TLS_CERT_FILE ? "https" : "http";
  const url = server ? `${scheme}://${settings.HOST}:${server.addr.port}` : undefined;
  // The control panel is served from admin/ when it is there.
  if (!pages.has("panel") && (await http.request("/admin")).status !== 404) {
    pages.set("panel", "/admin");
  }
  const where = pagesAt(pages, url);
  log.info("engine started", {
    url,
    db: db.kind,
    state: state.kind,
    bootMs: Math.round(performance.now() - began),
    plugins: names,
  });
  ready = true;
  for (const [label, target] of Object.entries(where)) log.info(label, { url: target });
  // Work that needs every plugin in place (e.g. its own HTTP requests) waits for this.
  bus.emit("engine.started", { plugins: names, url: url ?? null });
  return {
    bus,
    clock,
    db,
    state,
    metrics,
    http,
    log,
    lease,
    secrets,
    url,
    plugins: names,
    pages: where,
    service: <T>(name: string) => services.get(name) as T,
    health,
    stop,
  };
}

/** Every route: a body larger than `max` bytes is refused before it is read whole (413). */
function bodyLimited(http: Hono, max: number): Hono {
  http.use(
    "*",
    bodyLimit({
      maxSize: max,
      onError: (c) => c.json({ error: `the body is too large: at most ${max} bytes` }, 413),
    }),
  );
  return http;
}

/**
 * What every app of the engine serves (the body limit, `/healthz`, `/metrics`), and the answer
 * to a route nobody serves here yet (503 with why: starting, or a standby).
 */
function basicsOf(
  maxBody: number,
  health: ReturnType<typeof healthOf>["health"],
  metrics: Metrics,
  lease: Lease,
) {
  const basics = (app: Hono) => {
    bodyLimited(app, maxBody);
    app.get("/healthz", async (c) => {
      const h = await health();
      return c.json(h, h.ok ? 200 : 503);
    });
    app.get(
      "/metrics",
      (c) => c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" }),
    );
  };
  const unavailable = async (c: Context) => {
    const s = await lease.status().catch(() => null);
    const why = s && !s.leader ? `a standby: ${s.holder ?? "another engine"} leads` : "starting";
    return c.json({ error: `this engine is ${why}` }, 503, { "retry-after": "5" });
  };
  return { basics, unavailable };
}

/** The certificate and key to serve HTTPS with, when both are configured. */
function tlsOf(settings: Settings): { cert?: string; key?: string } {
  return settings.TLS_CERT_FILE && settings.TLS_KEY_FILE
    ? {
      cert: Deno.readTextFileSync(settings.TLS_CERT_FILE),
      key: Deno.readTextFileSync(settings.TLS_KEY_FILE),
    }
    : {};
}

/** Where to look, by label: paths of this engine resolved against `url` (none without it). */
function pagesAt(pages: Map<string, string>, url: string | undefined): Record<string, string> {
  return Object.fromEntries(
    [...pages].flatMap(([label, target]) =>
      target.startsWith("/") ? (url ? [[label, url + target]] : []) : [[label, target]]
    ),
  );
}

/** The engine's own `/healthz` checks: the database, the lease (and this engine's role), hot state. */
function addCoreChecks(
  checks: Map<string, () => Promise<HealthStatus> | HealthStatus>,
  { db, lease, state, ready }: { db: Db; lease: Lease; state: StateStore; ready: () => boolean },
) {
  checks.set("db", async () => {
    const t = performance.now();
    await db.ping();
    return { ok: true, backend: db.kind, latencyMs: round(performance.now() - t) };
  });
  checks.set("lease", async () => {
    const s = await lease.status();
    // Starting is not healthy: until the plugins have started, nothing but health answers.
    const role = s.leader ? (ready() ? "leader" : "starting") : "standby";
    // Said in words for the panel and a person reading /healthz: who leads, and who this is.
    const detail = s.kind === "sole"
      ? `this engine leads (${s.engine}; embedded storage: one engine)`
      : s.leader
      ? `this engine leads (${s.engine}${s.lapsed ? "; its lock's session is being re-taken" : ""})`
      : `standby (${s.engine}); ${s.holder ?? "no engine yet"} leads`;
    return { ok: role !== "starting", role, detail, ...s };
  });
  checks.set("state", async () => {
    const t = performance.now();
    const away = await state.ping().then(() => null, (error: Error) => error.message);
    const c = state.condition();
    // Hot state only: without Redis the show goes on from this process's own values.
    if (away || c.degraded) {
      return {
        ok: true,
        degraded: true,
        backend: state.kind,
        detail: `${away ?? (c.degraded ? c.error : "")}; hot state is kept here${
          c.degraded ? ` since ${c.since}` : ""
        } and written back when it answers`,
      };
    }
    return { ok: true, backend: state.kind, latencyMs: round(performance.now() - t) };
  });
}

/** What makes a leak visible on a dashboard, not at the OOM: memory, and the bus's traffic. */
function watchProcess(metrics: Metrics, bus: Bus) {
  metrics.gauge("sothebais_process_memory_bytes", "Process memory by kind", () => {
    const m = Deno.memoryUsage();
    return [
      [{ kind: "rss" }, m.rss],
      [{ kind: "heap_used" }, m.heapUsed],
      [{ kind: "external" }, m.external],
    ];
  });
  metrics.gauge(
    "sothebais_bus_events_total",
    "Events emitted on the bus, by type",
    () => [...bus.counts()].map(([type, n]) => [{ type }, n]),
    "counter",
  );
}

/** Runs the named checks (all when none are named), each bounded by a timeout; and the sum. */
function healthOf(checks: Map<string, () => Promise<HealthStatus> | HealthStatus>) {
  const runChecks = async (names?: string[]) => {
    const results: Record<string, HealthStatus> = {};
    const chosen = [...checks].filter(([name]) => !names || names.includes(name));
    await Promise.all(chosen.map(async ([name, check]) => {
      try {
        results[name] = await withTimeout(Promise.resolve(check()), 2000, "timed out");
      } catch (error) {
        results[name] = {
          ok: false,
          detail: error instanceof Error ? error.message : String(error),
        };
      }
    }));
    return results;
  };
  const health = async () => {
    const results = await runChecks();
    const ok = Object.values(results).every((r) => r.ok);
    // "degraded": everything works, something runs on a fallback (shown, not an outage).
    const status: "ok" | "degraded" | "down" = !ok
      ? "down"
      : Object.values(results).some((r) => r.degraded)
      ? "degraded"
      : "ok";
    return { ok, status, checks: results };
  };
  return { runChecks, health };
}

/** What a plugin's context is made of: the engine's parts, shared by every plugin. */
interface EngineParts extends
  Pick<
    PluginContext,
    "bus" | "clock" | "log" | "db" | "state" | "metrics" | "http" | "lease" | "secrets"
  > {
  settings: Settings;
  services: Map<string, unknown>;
  checks: Map<string, () => Promise<HealthStatus> | HealthStatus>;
  pages: Map<string, string>;
  runChecks(names?: string[]): Promise<Record<string, HealthStatus>>;
}

/** Starts the plugins in order, each teardown kept; a plugin must provide what it declared. */
async function startPlugins(
  plugins: LoadedPlugin[],
  parts: EngineParts,
  teardowns: Array<[string, Teardown]>,
) {
  for (const { plugin, config } of plugins) {
    const teardown = await plugin.setup(pluginContext(plugin, config, parts));
    if (teardown) teardowns.push([plugin.name, teardown]);
    for (const s of plugin.provides ?? []) {
      if (!parts.services.has(s)) {
        throw new Error(`plugin ${plugin.name} declared ${s} but did not provide it`);
      }
    }
  }
}

/** One plugin's context: its scoped bus, its log, and the services it declared, enforced. */
function pluginContext(plugin: Plugin, config: unknown, e: EngineParts): PluginContext {
  const required = new Set(plugin.needs ?? []);
  const optional = new Set(
    [...required].filter((n) => n.endsWith("?")).map((n) => n.slice(0, -1)),
  );
  return {
    name: plugin.name,
    config,
    bus: scopeBus(e.bus, plugin.name, plugin),
    clock: e.clock,
    log: e.log.child(plugin.name),
    db: e.db,
    state: e.state,
    metrics: e.metrics,
    http: e.http,
    lease: e.lease,
    dataDir: `${e.settings.DATA_DIR}/${plugin.name}`,
    secrets: e.secrets,
    provide(service, impl) {
      if (!(plugin.provides ?? []).includes(service)) {
        throw new Error(`plugin ${plugin.name} provides ${service} without declaring it`);
      }
      e.services.set(service, impl);
    },
    use(service) {
      if (optional.has(service)) return e.services.get(service) as never;
      if (!required.has(service)) {
        throw new Error(`plugin ${plugin.name} uses ${service} without declaring it in needs`);
      }
      if (!e.services.has(service)) throw new Error(`service ${service} is not provided yet`);
      return e.services.get(service) as never;
    },
    health(name, check) {
      e.checks.set(`${plugin.name}.${name}`, check);
    },
    healthOf: (names) => e.runChecks(names),
    page(label, pathOrUrl) {
      e.pages.set(label, pathOrUrl);
    },
  };
}

/**
 * What comes before any plugin starts: the migrations, everything sealed under the current key,
 * and every owned schema in place (so no emit goes unvalidated).
 */
async function prepareStart(
  db: Db,
  bus: Bus,
  secrets: Secrets,
  plugins: LoadedPlugin[],
  log: Log,
) {
  await migratePlugins(db, plugins);
  await resealAtStart(db, secrets, plugins, log);
  const owned = [coreEvents, ...plugins.map((p) => p.plugin.events ?? {})];
  for (const [type, schema] of owned.flatMap(Object.entries)) bus.declare(type, schema);
}

/** The plugins' passes over what they keep sealed (core/sealed_columns.ts), in start order. */
export function resealPasses(plugins: LoadedPlugin[]) {
  return plugins.flatMap(({ plugin }) =>
    plugin.reseal ? [{ owner: plugin.name, reseal: plugin.reseal }] : []
  );
}

/**
 * Before any plugin starts: everything sealed is under the current key (plain rows of before
 * sealed, a previous key's re-sealed), or the start stops naming the value that does not open.
 */
async function resealAtStart(db: Db, secrets: Secrets, plugins: LoadedPlugin[], log: Log) {
  const done = await resealAll(db, secrets.box, resealPasses(plugins));
  const changed = done.filter((d) => d.sealed || d.resealed);
  if (changed.length) {
    log.info("data at rest sealed with the current key", {
      key: secrets.box.keyId,
      tables: describeResealed(changed),
    });
  }
  if (secrets.source !== "environment") {
    log.warn("no SECRETS_KEY: data at rest is sealed with a key kept in the data folder");
  }
}

/** Returns at once when this engine leads; else says it waits, and waits. */
async function waitForLease(
  lease: Lease,
  log: Log,
  serveStandby: () => Promise<string | undefined>,
  onStandby?: (holder: string | null) => void,
): Promise<void> {
  const first = await Promise.race([
    lease.acquired.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 1000)),
  ]);
  if (first) return;
  const { holder } = await lease.status();
  const url = await serveStandby();
  log.info("standby: another engine leads; waiting for the lease", {
    engine: lease.engine,
    leader: holder,
    url,
  });
  onStandby?.(holder);
  await lease.acquired;
  log.info("took over the lease", { engine: lease.engine, previous: holder });
}

/** The store with its latency and its statements by kind in the metrics. */
function measured(rawDb: Db, metrics: Metrics): Db {
  const dbLatency = metrics.summary("sothebais_db_query_seconds", "Database query latency");
  const statements = metrics.counter(
    "sothebais_db_statements_total",
    "SQL statements sent, by verb and first table (a transaction counts once more)",
  );
  const statementTime = metrics.counter(
    "sothebais_db_statement_seconds_total",
    "Time to each SQL statement's answer, summed by kind (as sothebais_db_statements_total)",
  );
  return timed(
    countStatements(rawDb, (statement, seconds) => {
      statements.inc(1, { statement });
      statementTime.inc(seconds, { statement });
    }),
    (s) => dbLatency.observe(s),
  );
}

function timed(db: Db, observe: (seconds: number) => void): Db {
  const time = async <T>(work: Promise<T>) => {
    const t = performance.now();
    try {
      return await work;
    } finally {
      observe((performance.now() - t) / 1000);
    }
  };
  return {
    ...db,
    query: (text, params) => time(db.query(text, params)),
    exec: (script) => time(db.exec(script)),
    transaction: (fn) => time(db.transaction(fn)),
    ping: () => time(db.ping()),
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
