/**
 * The plugin contract. A plugin is a module whose default export declares its
 * name, a zod schema for its config, the events it owns (one zod schema each),
 * emits and listens to, the services it provides and needs, its migrations,
 * `setup(ctx)`, which may return a teardown, and the commands it adds to
 * `main.ts` (run with the database migrated, without starting the engine), and what
 * it serves read-only while its engine is a standby (`standby(ctx)`), and how it brings
 * what it keeps sealed at rest under the current key (`reseal`, core/sealed_columns.ts).
 * Every declaration is data the engine enforces and `main.ts events` prints.
 */
import type { ParseArgsConfig } from "node:util";
import type { Hono } from "hono";
import type { z } from "zod";
import type { Bus, EventSchemas } from "./bus.ts";
import type { Clock } from "./clock.ts";
import type { Db } from "./db.ts";
import type { Lease } from "./lease.ts";
import type { Log } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { Reseal } from "./sealed_columns.ts";
import type { SecretBox } from "./secret_box.ts";
import type { StateStore } from "./state.ts";

/**
 * The service catalogue. A plugin that provides a service adds its type here by
 * declaration merging: `declare module "../../core/plugin.ts" { interface Services { funds: Funds } }`.
 */
// deno-lint-ignore no-empty-interface
export interface Services {}

export type ServiceOf<K extends string> = K extends keyof Services ? Services[K] : unknown;

export type Teardown = () => void | Promise<void>;

export interface HealthStatus {
  ok: boolean;
  /** Working on a fallback: `/healthz` says "degraded" (still 200). */
  degraded?: boolean;
  detail?: string;
  [field: string]: unknown;
}

export interface PluginContext<C = unknown> {
  /** The plugin's name. */
  name: string;
  /** Its config, validated by its schema. */
  config: C;
  bus: Bus;
  clock: Clock;
  log: Log;
  db: Db;
  state: StateStore;
  metrics: Metrics;
  /**
   * Which engine of those sharing the database does the work only one may do. Plugins start
   * only on its holder; `fence(tx)` inside a write's transaction refuses a write by an engine
   * that lost it without knowing yet (decisions, payments).
   */
  lease: Lease;
  /** The engine's HTTP app; mount routes under `/<plugin name>/…` or a documented path. */
  http: Hono;
  /** A folder of the data directory for this plugin's files. */
  dataDir: string;
  /**
   * Seals personal data and secrets at rest (AES-GCM, the engine's key: core/secret_key.ts).
   * What a plugin seals it declares in `reseal`, so rotation finds it.
   */
  secrets: SecretBox;
  /** Makes a declared service available to the plugins that need it. */
  provide<K extends string>(service: K, impl: ServiceOf<K>): void;
  /** A service this plugin declared in `needs`; `undefined` for an optional (`name?`) need no plugin provides. */
  use<K extends string>(service: K): ServiceOf<K>;
  /** Adds a check to `/healthz`. */
  health(name: string, check: () => Promise<HealthStatus> | HealthStatus): void;
  /** Runs the named `/healthz` checks (`plugin.check`) in process; unknown names are left out. */
  healthOf(names: string[]): Promise<Record<string, HealthStatus>>;
  /**
   * Names a place a person should look, printed when the engine has started: a path of
   * the engine's HTTP app (`/compositor/frame.png`) or a URL of the plugin's own server.
   */
  page(label: string, pathOrUrl: string): void;
}

/**
 * What a plugin gets while its engine waits as a standby (another engine leads): the database
 * to read, and an HTTP app of the standby's own. Read only: nothing done here may decide, post,
 * scan or settle, nor migrate; the leader does all of that.
 */
export type StandbyContext<C = unknown> = Pick<
  PluginContext<C>,
  "name" | "config" | "clock" | "log" | "db" | "metrics" | "http"
>;

/** One line of `main.ts check`: `missing` is information (a default applies), `problem` fails it. */
export interface Finding {
  status: "ok" | "missing" | "problem";
  text: string;
}

export interface CheckContext<C = unknown> {
  /** The plugin's config, validated by its schema. */
  config: C;
  /** How long one probe may wait for an answer. */
  timeoutMs: number;
  /**
   * The configured Postgres (`DATABASE_URL`), read-only (every transaction refuses writes), each
   * statement bounded by `timeoutMs`; undefined without one (PGlite is not opened by a check).
   */
  query?<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A plugin that stands in for an outside service (the demo's fakes), never run for real. */
export interface StandIn {
  /** What it stands in for, for messages: "the X API". */
  for: string;
  /** Environment variables that configure the real service: one set next to this stand-in is an error. */
  replacedBy: string[];
}

/** What a plugin's command gets: its config and the database, every plugin's migrations applied. */
export interface CommandContext<C = unknown> {
  config: C;
  db: Db;
  clock: Clock;
  /** The plugin's folder of the data directory, as its `setup` gets it (not created). */
  dataDir: string;
  /** The engine's box for data at rest, as `setup` gets it. */
  secrets: SecretBox;
  /** Where the current key came from (a command may say so; never the key). */
  secretsSource: "environment" | "data folder";
  /** Writes a line for the person at the terminal. */
  print(line: string): void;
}

/** What a command that runs alone gets: no database (it keeps its own storage, or none). */
export type AloneContext<C = unknown> = Omit<CommandContext<C>, "db" | "secrets" | "secretsSource">;

interface CommandText {
  summary: string;
  usage: string;
  options?: ParseArgsConfig["options"];
}

/**
 * A `main.ts <name> …` command a plugin adds; exit code as the result. By default it runs
 * with the engine's database, every listed plugin's migrations applied; `alone: true` runs it
 * without opening it (a rehearsal, a preview, a stand-in server), so it can run beside an engine.
 */
export type PluginCommand<C = unknown> =
  | CommandText & {
    alone?: false;
    run(
      ctx: CommandContext<C>,
      values: Record<string, unknown>,
      positionals: string[],
    ): Promise<number>;
  }
  | CommandText & {
    alone: true;
    run(
      ctx: AloneContext<C>,
      values: Record<string, unknown>,
      positionals: string[],
    ): Promise<number>;
  };

// deno-lint-ignore no-explicit-any
export interface Plugin<S extends z.ZodType = z.ZodType<any>> {
  name: string;
  config: S;
  /**
   * The bus events this plugin owns, one zod schema each: the engine declares them before any
   * plugin starts, so every emit of them is validated. One owner an event (a test checks).
   */
  events?: EventSchemas;
  /** Events it emits, its own or others'; emitting one not listed throws. */
  emits?: string[];
  /** Events it subscribes to (`*`: every event); subscribing to one not listed throws. */
  listens?: string[];
  /**
   * Services whose interface this plugin defines, though others provide them (the auction
   * defines `funds`, which the chain or the funds book provides). Default: the provider's.
   */
  defines?: string[];
  provides?: string[];
  /** Services used; `name?` marks one the plugin can do without. */
  needs?: string[];
  /** Folder of `NNN_name.sql` files this plugin owns. */
  migrations?: URL;
  /** Set on stand-ins: refused by the production profile and next to the real service's settings. */
  standIn?: StandIn;
  /**
   * For `main.ts check`: what of its outside services is configured and whether each
   * answers, without starting the plugin. Never prints a secret.
   */
  check?(ctx: CheckContext<z.output<S>>): Finding[] | Promise<Finding[]>;
  setup(ctx: PluginContext<z.output<S>>): void | Teardown | Promise<void | Teardown>;
  /**
   * What it serves while its engine is a standby (public pages read from the database); the
   * teardown runs before `setup`, when this engine takes the lease over.
   */
  standby?(ctx: StandbyContext<z.output<S>>): void | Teardown | Promise<void | Teardown>;
  /**
   * Brings every value it keeps sealed (`ctx.secrets`) under the current key: plain rows from
   * before sealing, rows of a previous key. Run by the engine before any plugin starts and by
   * `main.ts rekey`, every plugin's in one transaction; throws naming the table on a value
   * that does not open.
   */
  reseal?: Reseal;
  /** Commands for `main.ts`, by name. */
  commands?: Record<string, PluginCommand<z.output<S>>>;
}

/** Identity function that gives a plugin literal its types. */
export function definePlugin<S extends z.ZodType>(plugin: Plugin<S>): Plugin<S> {
  return plugin;
}
