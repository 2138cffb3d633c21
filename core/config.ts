/**
 * Configuration: engine settings from the environment, and the plugin list
 * from the `sothebais` section of `deno.json`. Plugin config may reference the
 * environment as `${VAR}` (required) or `${VAR:-default}`; secrets may only
 * come that way. Every problem is reported, one line each, naming the field.
 * Every JSON file the engine reads is parsed here (`parseJson`, `readJsonFile`):
 * invalid JSON names the file, the line and the column.
 */
import { z } from "zod";
import { SECRET_NAME } from "./log.ts";
import type { Plugin } from "./plugin.ts";

export type Env = Record<string, string | undefined>;

export const settingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().default("127.0.0.1"),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
  REDIS_URL: z.string().url().optional(),
  STATE_PREFIX: z.string().default("sothebais:"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** `auto`: short readable lines on a terminal, JSON lines otherwise. */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  /** The config file to start with when `--config` is not given. */
  SOTHEBAIS_CONFIG: z.string().default("deno.json"),
  /** PEM files: both set → HTTPS (and WSS) instead of HTTP. */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  /**
   * The largest HTTP request body any route reads (bytes): the ceiling for all, so it is at
   * least the largest a route takes (the panel's artwork upload, 8 MiB); routes set tighter
   * limits of their own.
   */
  /**
   * The key for personal data and secrets at rest (core/secret_key.ts): base64 of 32 bytes.
   * Unset (the demo only): a key kept in the data folder. Previous keys, comma-separated, only
   * open (rotation re-seals with the current one).
   */
  SECRETS_KEY: z.string().optional(),
  SECRETS_KEY_PREVIOUS: z.string().optional(),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(
    10 * 1024 * 1024,
  ),
}).refine((s) => !s.TLS_CERT_FILE === !s.TLS_KEY_FILE, {
  message: "set both TLS_CERT_FILE and TLS_KEY_FILE, or neither",
  path: ["TLS_CERT_FILE"],
});
export type Settings = z.output<typeof settingsSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** Zod issues as `prefix.path: message` lines. */
export function describeIssues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return `${prefix}${path ? `.${path}` : ""}: ${issue.message}`;
  });
}

export function readSettings(env: Env): Settings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(describeIssues("env", parsed.error));
  return parsed.data;
}

/** One entry of `sothebais.plugins`: a built-in by name, or a module path. */
const entrySchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/).optional(),
  module: z.string().optional(),
  enabled: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
}).strict().refine((e) => e.name || e.module, "give the plugin's name or module");

/**
 * `demo` may list stand-ins (fake X, simulator, demo show); `production` refuses them.
 * A file that does not say is a demo: production is always chosen explicitly.
 */
export const PROFILES = ["demo", "production"] as const;
export type Profile = typeof PROFILES[number];

const sectionSchema = z.object({
  profile: z.enum(PROFILES).default("demo"),
  plugins: z.array(entrySchema).default([]),
}).strict();

export interface PluginEntry {
  /** What the operator wrote, for messages. */
  label: string;
  specifier: string;
  config: Record<string, unknown>;
}

export interface ConfigFile {
  profile: Profile;
  entries: PluginEntry[];
}

/**
 * Where a plugin listed by name lives under `root` (the project folder): `plugins/<name>/`, or
 * `stand-ins/<name>/` for the local stand-ins (fake X, the simulator, the demo). Neither found:
 * the `plugins/` path, so the loader's error names where it looked first.
 */
export function pluginModule(name: string, root: URL | string): string {
  const production = new URL(`plugins/${name}/mod.ts`, root);
  for (const folder of ["plugins", "stand-ins"]) {
    const url = new URL(`${folder}/${name}/mod.ts`, root);
    try {
      if (Deno.statSync(url).isFile) return url.href;
    } catch { /* not in this folder */ }
  }
  return production.href;
}

/** Reads the `sothebais` section of a config file (`deno.json`, `sothebais.prod.json`). */
export async function readConfigFile(path: string | URL): Promise<ConfigFile> {
  let raw;
  try {
    raw = await readJsonFile(path) as { sothebais?: unknown } | null;
  } catch (error) {
    if (error instanceof JsonFileError) throw new ConfigError([error.message]);
    throw error;
  }
  // A file that is JSON but not an object (`null`, `[]`, a string) has no section to read.
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError([`${path}: the file must hold a JSON object ({ "sothebais": … })`]);
  }
  const parsed = sectionSchema.safeParse(raw.sothebais ?? {});
  if (!parsed.success) throw new ConfigError(describeIssues(`${path} sothebais`, parsed.error));
  const base = path instanceof URL ? path : new URL(path, `file://${Deno.cwd()}/`);
  const entries = parsed.data.plugins.filter((e) => e.enabled).map((e) => ({
    label: e.name ?? e.module!,
    specifier: e.module ? new URL(e.module, base).href : pluginModule(e.name!, base),
    config: e.config,
  }));
  return { profile: parsed.data.profile, entries };
}

/** A file (or an upload) that cannot be read or is not JSON: `<source>: <why, with the line>`. */
export class JsonFileError extends Error {}

/**
 * The one way a JSON file or upload is parsed: invalid JSON is a JsonFileError naming
 * `source` and the line and column (`firstLine`: where `text` starts in its file).
 */
export function parseJson(text: string, source: string, firstLine = 1): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonFileError(`${source}: ${jsonProblem(text, error as Error, firstLine)}`);
  }
}

/**
 * Reads and parses a JSON file; one unreadable, over `maxBytes` (refused before it is read
 * whole) or invalid is a JsonFileError naming `source`.
 */
export async function readJsonFile(
  path: string | URL,
  source = String(path),
  maxBytes = Infinity,
): Promise<unknown> {
  let text;
  try {
    const { size } = maxBytes < Infinity ? await Deno.stat(path) : { size: 0 };
    if (size > maxBytes) throw new Error(`${size} bytes, over the ${maxBytes} it may have`);
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new JsonFileError(`${source}: ${(error as Error).message.split("\n")[0]}`);
  }
  return parseJson(text, source);
}

/** A JSON parse error with the line and column it is on (V8 gives a position or a snippet). */
export function jsonProblem(text: string, error: Error, firstLine = 1): string {
  if (!(error instanceof SyntaxError)) return error.message.split("\n")[0];
  const message = error.message;
  let position = text.length;
  let what = message.split("\n")[0].replace(/\s*in JSON at position \d+.*$/, "");
  const at = message.match(/at position (\d+)/);
  // `Unexpected token '}', ..."1,\n  "b": }\n" is not valid JSON`: up to 10 characters each side.
  const token = message.match(
    /^Unexpected token '(.)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON/,
  );
  if (at) position = Number(at[1]);
  else if (token) {
    const start = text.indexOf(token[3]);
    if (start >= 0) position = start + (token[2] ? 10 : token[3].indexOf(token[1]));
    what = `unexpected '${token[1]}'`;
  }
  const before = text.slice(0, position).split("\n");
  const line = before.length + firstLine - 1;
  return `invalid JSON at line ${line}, column ${before.at(-1)!.length + 1}: ${what}`;
}

/**
 * Keys of `value` that `schema` does not know, as `path.key` (zod's objects drop them
 * silently: a typo such as `everySecond` would leave the default in force unseen).
 */
export function unknownKeys(schema: z.ZodType, value: unknown, path: string): string[] {
  // deno-lint-ignore no-explicit-any
  const def = (schema as any)?._zod?.def;
  if (!def || value === undefined || value === null) return [];
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return unknownKeys(def.innerType, value, path);
    case "pipe":
      return unknownKeys(def.in, value, path);
    case "array":
      return Array.isArray(value)
        ? value.flatMap((v, i) => unknownKeys(def.element, v, `${path}.${i}`))
        : [];
    case "union": {
      // Known to some branch is known.
      const each = (def.options as z.ZodType[]).map((o) => unknownKeys(o, value, path));
      return each.reduce((a, b) => a.filter((k) => b.includes(k)));
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [];
      const shape = def.shape as Record<string, z.ZodType>;
      const open = def.catchall && def.catchall._zod?.def?.type !== "never";
      return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
        k in shape ? unknownKeys(shape[k], v, `${path}.${k}`) : open ? [] : [`${path}.${k}`]
      );
    }
    default:
      return [];
  }
}

const REF = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` references with the environment's values. A string that is
 * exactly one reference to an unset optional variable becomes `undefined`.
 * Fields named like secrets must be references.
 */
export function interpolate(
  value: unknown,
  env: Env,
  path: string,
  problems: string[],
  secrets: Set<string>,
): unknown {
  if (typeof value === "string") {
    const name = path.split(".").at(-1) ?? "";
    const refs = [...value.matchAll(REF)];
    if (SECRET_NAME.test(name) && refs.length === 0 && value !== "") {
      problems.push(`${path}: a secret must come from the environment, e.g. "\${VAR}"`);
      return undefined;
    }
    if (refs.length === 1 && refs[0][0] === value) {
      const [, variable, fallback] = refs[0];
      const found = env[variable];
      if (found !== undefined && found !== "") {
        if (SECRET_NAME.test(name) || SECRET_NAME.test(variable)) secrets.add(found);
        return found;
      }
      if (fallback === undefined) {
        problems.push(`${path}: environment variable ${variable} is not set`);
        return undefined;
      }
      return fallback === "" ? undefined : fallback;
    }
    return value.replace(REF, (_, variable: string, fallback?: string) => {
      const found = env[variable];
      if (found !== undefined && found !== "") return found;
      if (fallback === undefined) {
        problems.push(`${path}: environment variable ${variable} is not set`);
      }
      return fallback ?? "";
    });
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => interpolate(v, env, `${path}.${i}`, problems, secrets));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map((
        [k, v],
      ) => [k, interpolate(v, env, `${path}.${k}`, problems, secrets)]),
    );
  }
  return value;
}

export interface LoadedPlugin {
  plugin: Plugin;
  config: unknown;
}

export interface LoadResult {
  plugins: LoadedPlugin[];
  /** Values read for secret fields, so the log can hide them. */
  secrets: Set<string>;
}

/**
 * Imports each plugin, validates its config, and orders them by what they need. Stand-ins
 * are refused by the production profile, and in any profile next to the settings of the
 * real service they replace (a fake X beside real X credentials).
 */
export async function loadPlugins(
  entries: PluginEntry[],
  env: Env,
  profile: Profile = "demo",
): Promise<LoadResult> {
  const { loaded, problems, secrets } = await loadEach(entries, env, profile);
  const ordered = problems.length ? [] : orderByNeeds(loaded, problems);
  if (problems.length) throw new ConfigError(problems);
  return { plugins: ordered, secrets };
}

/**
 * Each entry on its own: the plugins that loaded, and the problems of the rest (`check`
 * reports both; `loadPlugins` refuses any problem).
 */
export async function loadEach(
  entries: PluginEntry[],
  env: Env,
  profile: Profile = "demo",
): Promise<{ loaded: LoadedPlugin[]; problems: string[]; secrets: Set<string> }> {
  const problems: string[] = [];
  const secrets = new Set<string>();
  const loaded: LoadedPlugin[] = [];
  for (const entry of entries) {
    let plugin: Plugin | undefined;
    try {
      plugin = (await import(entry.specifier)).default;
    } catch (error) {
      const missing = error instanceof Error &&
        /Module not found|No such file/i.test(error.message);
      problems.push(
        `plugin ${entry.label}: ${
          missing
            ? "unknown plugin (no module at " + entry.specifier + ")"
            : `cannot load: ${error instanceof Error ? error.message.split("\n")[0] : error}`
        }`,
      );
      continue;
    }
    if (!plugin || typeof plugin.setup !== "function" || !plugin.name || !plugin.config) {
      problems.push(
        `plugin ${entry.label}: its module has no default export made with definePlugin`,
      );
      continue;
    }
    const before = problems.length;
    const standIn = plugin.standIn;
    if (standIn && profile === "production") {
      problems.push(
        `plugin ${plugin.name}: a stand-in for ${standIn.for}; the production profile never loads one`,
      );
    }
    for (const variable of standIn?.replacedBy ?? []) {
      if (!env[variable]) continue;
      problems.push(
        `plugin ${plugin.name}: a stand-in for ${
          standIn!.for
        }, listed while ${variable} is set: remove the plugin or unset ${variable}`,
      );
      break;
    }
    if (problems.length > before) continue;
    const raw = interpolate(entry.config, env, `plugin ${plugin.name}: config`, problems, secrets);
    if (problems.length > before) continue;
    const unknown = unknownKeys(plugin.config, raw, `plugin ${plugin.name}: config`);
    problems.push(...unknown.map((k) => `${k}: unknown key (a typo?); remove it or fix it`));
    if (problems.length > before) continue;
    const parsed = plugin.config.safeParse(raw);
    if (!parsed.success) {
      problems.push(...describeIssues(`plugin ${plugin.name}: config`, parsed.error));
      continue;
    }
    loaded.push({ plugin, config: parsed.data });
  }
  const names = new Set<string>();
  for (const { plugin } of loaded) {
    if (names.has(plugin.name)) problems.push(`plugin ${plugin.name}: listed twice`);
    names.add(plugin.name);
  }
  return { loaded, problems, secrets };
}

/**
 * Topological order: a plugin starts after the plugins providing what it needs.
 * A need written `name?` is optional: ordered after its provider when one is listed.
 */
export function orderByNeeds(loaded: LoadedPlugin[], problems: string[]): LoadedPlugin[] {
  const provider = new Map<string, LoadedPlugin>();
  for (const l of loaded) {
    for (const s of l.plugin.provides ?? []) {
      const other = provider.get(s);
      if (other) {
        problems.push(
          `plugin ${l.plugin.name}: provides ${s}, which ${other.plugin.name} already provides`,
        );
      }
      provider.set(s, l);
    }
  }
  for (const l of loaded) {
    for (const s of l.plugin.needs ?? []) {
      if (!provider.has(s) && !s.endsWith("?")) {
        problems.push(
          `plugin ${l.plugin.name}: needs service ${s}, which no listed plugin provides`,
        );
      }
    }
  }
  if (problems.length) return [];
  const out: LoadedPlugin[] = [];
  const state = new Map<LoadedPlugin, "visiting" | "done">();
  const visit = (l: LoadedPlugin, chain: string[]) => {
    if (state.get(l) === "done") return;
    if (state.get(l) === "visiting") {
      problems.push(
        `plugin ${l.plugin.name}: needs form a cycle: ${[...chain, l.plugin.name].join(" → ")}`,
      );
      return;
    }
    state.set(l, "visiting");
    for (const s of l.plugin.needs ?? []) {
      const p = provider.get(s.replace(/\?$/, ""));
      if (p) visit(p, [...chain, l.plugin.name]);
    }
    state.set(l, "done");
    out.push(l);
  };
  for (const l of loaded) visit(l, []);
  return out;
}
