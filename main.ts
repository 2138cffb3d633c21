/**
 * The SothebAIs command line: `deno run -A main.ts <command> [options]`.
 * Every command takes `--help`.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type PartFinding, runChecks } from "./core/check.ts";
import {
  ConfigError,
  loadEach,
  type LoadedPlugin,
  loadPlugins,
  orderByNeeds,
  readConfigFile,
  readSettings,
  type Settings,
} from "./core/config.ts";
import { catalogue, catalogueMarkdown, commandProblems, eventProblems } from "./core/catalogue.ts";
import {
  coreEvents,
  migratePlugins,
  openDatabase,
  resealPasses,
  startEngine,
} from "./core/engine.ts";
import { verifyChains } from "./core/hash_chain.ts";
import { type Lease, postgresLease } from "./core/lease.ts";
import { describeResealed, resealAll } from "./core/sealed_columns.ts";
import { secretsOf, secretsProblems } from "./core/secret_key.ts";
import { createLog, logFormat } from "./core/log.ts";
import { systemClock } from "./core/clock.ts";

interface Command {
  summary: string;
  usage: string;
  options: ParseArgsConfig["options"];
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

/** `--config FILE`; without it SOTHEBAIS_CONFIG, else `deno.json` (the demo). */
const configOption = { config: { type: "string", short: "c" } } as const;

/** Where bidders reach this engine when PUBLIC_URL does not say: its own address. */
function ownUrl(settings: Settings): string {
  const host = settings.HOST === "0.0.0.0" || settings.HOST === "::" ? "127.0.0.1" : settings.HOST;
  const scheme = settings.TLS_CERT_FILE ? "https" : "http";
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${settings.PORT}`;
}

/** PORT 0 (any free port) is settled before the plugins read PUBLIC_URL. */
function settlePort(settings: Settings): Settings {
  if (settings.PORT !== 0) return settings;
  const listener = Deno.listen({ hostname: settings.HOST, port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return { ...settings, PORT: port };
}

/**
 * The settings and the config file (`--config`, else SOTHEBAIS_CONFIG, else `deno.json`),
 * PUBLIC_URL defaulted to the engine's own address; each problem goes to `problem`.
 */
async function readInputs(path: unknown, problem: (line: string) => void) {
  const env = Deno.env.toObject();
  const attempt = async <T>(work: () => T | Promise<T>) => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      error.problems.forEach(problem);
    }
  };
  const read = await attempt(() => readSettings(env));
  const settings = read && settlePort(read);
  const file = typeof path === "string" ? path : read?.SOTHEBAIS_CONFIG ?? "deno.json";
  const config = await attempt(() => readConfigFile(file));
  if (settings && !env.PUBLIC_URL) env.PUBLIC_URL = ownUrl(settings);
  return { env, settings, file, config, attempt };
}

/** Settings and plugins, ready to start; every problem of both in one error. */
async function readConfig(path: unknown) {
  const problems: string[] = [];
  const { env, settings, file, config, attempt } = await readInputs(
    path,
    (l) => problems.push(l),
  );
  const loaded = config && await attempt(() => loadPlugins(config.entries, env, config.profile));
  if (settings && config) problems.push(...secretsProblems(settings, config.profile));
  if (!settings || !config || !loaded || problems.length) throw new ConfigError(problems);
  for (const key of keysOf(settings)) loaded.secrets.add(key);
  return { settings, file, profile: config.profile, ...loaded };
}

/** The key values of the settings, to be hidden in the log like every secret. */
function keysOf(settings: Settings): string[] {
  return [settings.SECRETS_KEY ?? "", ...(settings.SECRETS_KEY_PREVIOUS ?? "").split(",")]
    .map((k) => k.trim()).filter(Boolean);
}

/** Everything `check` says: config problems as lines, then each part's findings. */
async function checkAll(path: unknown, timeoutMs: number) {
  const lines: PartFinding[] = [];
  const problem = (line: string) => {
    const m = line.match(/^plugin ([^:]+): (.*)$/s);
    lines.push({ part: m ? m[1] : "settings", status: "problem", text: m ? m[2] : line });
  };
  const { env, settings, file, config } = await readInputs(path, problem);
  let secrets = new Set<string>();
  let loaded: LoadedPlugin[] = [];
  if (config) {
    const each = await loadEach(config.entries, env, config.profile);
    ({ secrets, loaded } = each);
    // Needs are worth checking once every plugin loads (else the broken one is the news).
    if (!each.problems.length) orderByNeeds(loaded, each.problems);
    each.problems.forEach(problem);
    if (settings) {
      secretsProblems(settings, config.profile).forEach(problem);
      keysOf(settings).forEach((k) => secrets.add(k));
    }
    lines.unshift({
      part: "profile",
      status: "ok",
      text:
        `${config.profile} (${file}): ${loaded.length} of ${config.entries.length} plugins load`,
    });
  }
  if (settings) lines.push(...await runChecks(settings, loaded, timeoutMs));
  const hidden = [...secrets].filter((s) => s.length >= 6);
  return {
    lines,
    scrub: (text: string) => hidden.reduce((t, s) => t.split(s).join("[redacted]"), text),
  };
}

const commands: Record<string, Command> = {
  start: {
    summary: "load the plugins and run until stopped (Ctrl-C)",
    usage:
      "start [--config FILE] [--log json|pretty]\n\n  FILE: default $SOTHEBAIS_CONFIG, else deno.json (the demo); --log: default $LOG_FORMAT, else\n  pretty on a terminal and JSON lines otherwise",
    options: { ...configOption, log: { type: "string" } },
    async run(values) {
      if (values.log !== undefined && values.log !== "json" && values.log !== "pretty") {
        throw new ConfigError([`--log: "${values.log}" is not json or pretty`]);
      }
      const { settings, profile, plugins, secrets } = await readConfig(values.config);
      const format = (values.log as "json" | "pretty" | undefined) ??
        logFormat(settings.LOG_FORMAT);
      const log = createLog("engine", { level: settings.LOG_LEVEL, format, secrets });
      log.info("starting", { profile, plugins: plugins.length });
      const engine = await startEngine({
        settings,
        plugins,
        log,
        // Crash-only: a restart rejoins as a standby and rebuilds from Postgres.
        onLeaseLost: () => Deno.exit(75),
      });
      const { promise: stopped, resolve } = Promise.withResolvers<void>();
      let stopping = false;
      const onSignal = () => {
        if (stopping) Deno.exit(130); // a second Ctrl-C does not wait
        stopping = true;
        log.info("stopping");
        engine.stop().then(resolve, (error) => {
          log.error("stop failed", { error });
          resolve();
        });
      };
      Deno.addSignalListener("SIGINT", onSignal);
      Deno.addSignalListener("SIGTERM", onSignal);
      await stopped;
      log.info("stopped");
      return 0;
    },
  },
  check: {
    summary:
      "tell part by part what is configured, what is missing and whether each service answers; non-zero with one line a problem",
    usage: "check [--config FILE] [--timeout SECONDS]",
    options: { ...configOption, timeout: { type: "string" } },
    async run(values) {
      const seconds = Number(values.timeout ?? 5);
      if (!(seconds > 0 && seconds <= 120)) {
        throw new ConfigError([`--timeout: "${values.timeout}" is not 1 to 120 seconds`]);
      }
      const found = await checkAll(values.config, seconds * 1000);
      const width = Math.max(...found.lines.map((l) => l.part.length));
      for (const line of found.lines) {
        console.log(
          found.scrub(`${line.part.padEnd(width)}  ${line.status.padEnd(7)}  ${line.text}`),
        );
      }
      return found.lines.some((l) => l.status === "problem") ? 1 : 0;
    },
  },
  migrate: {
    summary: "apply every listed plugin's database migrations, then exit",
    usage: "migrate [--config FILE]",
    options: configOption,
    async run(values) {
      const { settings, plugins } = await readConfig(values.config);
      const { db, lock } = await openDatabase(settings);
      try {
        const applied = await migratePlugins(db, plugins);
        console.log(applied.length ? `applied: ${applied.join(", ")}` : "up to date");
      } finally {
        await db.close();
        lock?.release();
      }
      return 0;
    },
  },
  rekey: {
    summary:
      "seal every value the plugins keep sealed at rest with SECRETS_KEY, in one transaction (after a rotation: the old key in SECRETS_KEY_PREVIOUS); prints what it re-sealed",
    usage: "rekey [--config FILE]",
    options: configOption,
    async run(values) {
      const { settings, plugins } = await readConfig(values.config);
      const secrets = await secretsOf(settings);
      // A running engine keeps the key it started with: it could not open what is re-sealed
      // under it, so the re-seal holds the lease (PGlite: the data folder's lock) or refuses.
      const lease = await leaseForRekey(settings);
      if (typeof lease === "string") {
        console.error(
          `rekey: ${lease} leads this database: stop the engines first, or restart them with ` +
            "the new key (a start re-seals the same way)",
        );
        return 1;
      }
      const { db, lock } = await openDatabase(settings).catch(async (error) => {
        await lease?.close();
        throw error;
      });
      try {
        await migratePlugins(db, plugins);
        const done = await resealAll(db, secrets.box, resealPasses(plugins));
        console.log(`sealed with key ${secrets.box.keyId} (from the ${secrets.source}):`);
        for (const line of describeResealed(done)) console.log(`  ${line}`);
        return 0;
      } finally {
        await db.close();
        lock?.release();
        await lease?.close();
      }
    },
  },
  events: {
    summary:
      "print the catalogue of events, services and commands (owner, fields, who emits, listens, provides, needs, adds), from the listed plugins' declarations; non-zero when they disagree",
    usage: "events [--config FILE]",
    options: configOption,
    async run(values) {
      const { file, plugins } = await readConfig(values.config);
      const declared = plugins.map((p) => p.plugin);
      const own = ownCommands();
      console.log(catalogueMarkdown(catalogue(declared, coreEvents, own), `\`${file}\``));
      const problems = [...eventProblems(declared, coreEvents), ...commandProblems(declared, own)];
      for (const problem of problems) console.error(problem);
      return problems.length ? 1 : 0;
    },
  },
  audit: {
    summary:
      "verify: recompute every hash chain (audit logs, bid log); names the first broken entry",
    usage: "audit verify [--config FILE]",
    options: configOption,
    async run(values, positionals) {
      if (positionals[0] !== "verify") {
        throw new ConfigError(["audit: the command is `audit verify`"]);
      }
      const { settings, plugins } = await readConfig(values.config);
      const { db, lock } = await openDatabase(settings);
      try {
        await migratePlugins(db, plugins);
        let broken = 0;
        for (const r of await verifyChains(db)) {
          const before = r.unchained ? ` (${r.unchained} older rows not chained)` : "";
          if (r.broken) {
            broken++;
            console.log(`${r.table}: BROKEN at entry ${r.broken.chainSeq}: ${r.broken.why}`);
          } else {console.log(
              `${r.table}: ok, ${r.entries} entries${before}, head ${r.head ?? "-"}`,
            );}
        }
        return broken ? 1 : 0;
      } finally {
        await db.close();
        lock?.release();
      }
    },
  },
};

/**
 * The engines' lease for `rekey` on Postgres, or the engine holding it (the command refuses);
 * undefined on PGlite, where the data folder's lock keeps an engine out.
 */
async function leaseForRekey(settings: Settings): Promise<Lease | string | undefined> {
  if (!settings.DATABASE_URL) return undefined;
  const lease = postgresLease({ url: settings.DATABASE_URL, schema: settings.DATABASE_SCHEMA });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const held = await Promise.race([
    lease.acquired.then(() => true),
    new Promise<false>((r) => timer = setTimeout(() => r(false), 2000)),
  ]).finally(() => clearTimeout(timer));
  if (held) return lease;
  const holder = (await lease.status().catch(() => null))?.holder ?? "another engine";
  await lease.close();
  return `engine ${holder}`;
}

/** main.ts's own commands, as the catalogue lists them. */
export const ownCommands = () =>
  Object.entries(commands).map(([name, c]) => ({ name, summary: c.summary }));

/**
 * A command a listed plugin adds (`commands` in its definition): with the database migrated,
 * or alone (without opening it) when the command says so.
 */
async function pluginCommand(name: string, args: string[]): Promise<Command | undefined> {
  const { values } = parseArgs({
    args,
    options: configOption,
    strict: false,
    allowPositionals: true,
  });
  const { settings, plugins } = await readConfig(values.config);
  const owner = plugins.find((p) => p.plugin.commands?.[name]);
  const command = owner?.plugin.commands?.[name];
  if (!owner || !command) return undefined;
  return {
    ...command,
    options: { ...configOption, ...command.options },
    async run(values, positionals) {
      const ctx = {
        config: owner.config,
        clock: systemClock(),
        dataDir: `${settings.DATA_DIR}/${owner.plugin.name}`,
        print: console.log,
      };
      if (command.alone) return await command.run(ctx, values, positionals);
      const secrets = await secretsOf(settings);
      const { db, lock } = await openDatabase(settings);
      try {
        await migratePlugins(db, plugins);
        return await command.run(
          { ...ctx, db, secrets: secrets.box, secretsSource: secrets.source },
          values,
          positionals,
        );
      } finally {
        await db.close();
        lock?.release();
      }
    },
  };
}

/** The commands, the listed plugins' too (theirs only when the config loads). */
async function help(): Promise<string> {
  let added: [string, string][] = [];
  let note = "";
  try {
    const { plugins } = await readConfig(undefined);
    added = plugins.flatMap(({ plugin }) =>
      Object.entries(plugin.commands ?? {}).map((
        [n, c],
      ): [string, string] => [n, `${c.summary} (${plugin.name})`])
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    note =
      "The config does not load, so its plugins' commands are not listed: see `main.ts check`.";
  }
  const all: [string, string][] = [
    ...Object.entries(commands).map(([n, c]): [string, string] => [n, c.summary]),
    ...added,
  ];
  const width = Math.max(...all.map(([n]) => n.length));
  return [
    "SothebAIs — live NFT auctions on X, hosted by an AI.",
    "",
    "usage: deno run -A main.ts <command> [options]",
    "",
    "commands (the listed plugins add theirs):",
    ...all.map(([n, summary]) => `  ${n.padEnd(width)}  ${summary}`),
    "",
    ...(note ? [note] : []),
    "Run `main.ts <command> --help` for a command's options.",
  ].join("\n");
}

function commandHelp(name: string, command: Command): string {
  const lines = [`usage: main.ts ${command.usage}`, "", command.summary];
  const options = Object.entries(command.options ?? {});
  if (options.length) {
    lines.push("", "options:");
    for (const [flag, o] of options) {
      const short = o.short ? `-${o.short}, ` : "    ";
      const dflt = o.default !== undefined ? ` (default ${o.default})` : "";
      lines.push(`  ${short}--${flag}${o.type === "string" ? " <value>" : ""}${dflt}`);
    }
  }
  lines.push("  -h, --help");
  return `${name}: ${lines.join("\n")}`.replace(`${name}: usage`, "usage");
}

export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(await help());
    return name ? 0 : 2;
  }
  let command: Command | undefined = commands[name];
  if (!command) {
    try {
      command = await pluginCommand(name, rest);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) console.error(problem);
      return 1;
    }
  }
  if (!command) {
    console.error(`unknown command: ${name}\n\n${await help()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}\n\n${commandHelp(name, command)}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(commandHelp(name, command));
    return 0;
  }
  try {
    return await command.run(parsed.values, parsed.positionals);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(problem);
      return 1;
    }
    console.error(`${name} failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
