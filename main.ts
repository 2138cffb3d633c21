/**
 * The SothebAIs command line: `deno run -A main.ts <command> [options]`.
 * Every command takes `--help`.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError, loadPlugins, readPluginEntries, readSettings } from "./core/config.ts";
import { migratePlugins, openDatabase, startEngine } from "./core/engine.ts";
import { createLog } from "./core/log.ts";
import { systemClock } from "./core/clock.ts";
import { previewCommand } from "./plugins/compositor/preview.ts";
import { rehearseCommand, reportCommand } from "./plugins/auction/cli.ts";
import { fakeXCommand } from "./plugins/fake-x/cli.ts";

interface Command {
  summary: string;
  usage: string;
  options: ParseArgsConfig["options"];
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const configOption = {
  config: { type: "string", short: "c", default: "deno.json" },
} as const;

/** Settings and plugins from the environment and `deno.json`; every problem of both in one error. */
async function readConfig(path: string) {
  const env = Deno.env.toObject();
  const problems: string[] = [];
  const collect = async <T>(read: () => T | Promise<T>) => {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  };
  const settings = await collect(() => readSettings(env));
  const loaded = await collect(async () => loadPlugins(await readPluginEntries(path), env));
  if (!settings || !loaded) throw new ConfigError(problems);
  return { settings, ...loaded };
}

const commands: Record<string, Command> = {
  start: {
    summary: "load the plugins and run until stopped (Ctrl-C)",
    usage: "start [--config deno.json]",
    options: configOption,
    async run(values) {
      const { settings, plugins, secrets } = await readConfig(values.config as string);
      const log = createLog("engine", { level: settings.LOG_LEVEL, secrets });
      const engine = await startEngine({ settings, plugins, log });
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
    summary: "validate the environment, the plugin list and every plugin's config",
    usage: "check [--config deno.json]",
    options: configOption,
    async run(values) {
      const { plugins } = await readConfig(values.config as string);
      console.log(`ok: ${plugins.map((p) => p.plugin.name).join(", ") || "no plugins"}`);
      return 0;
    },
  },
  migrate: {
    summary: "apply every listed plugin's database migrations, then exit",
    usage: "migrate [--config deno.json]",
    options: configOption,
    async run(values) {
      const { settings, plugins } = await readConfig(values.config as string);
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
  preview: previewCommand,
  rehearse: rehearseCommand,
  report: reportCommand,
  "fake-x": fakeXCommand,
};

/** A command a listed plugin adds (`commands` in its definition), with the database migrated. */
async function pluginCommand(name: string, args: string[]): Promise<Command | undefined> {
  const { values } = parseArgs({
    args,
    options: configOption,
    strict: false,
    allowPositionals: true,
  });
  const { settings, plugins } = await readConfig(String(values.config ?? "deno.json"));
  const owner = plugins.find((p) => p.plugin.commands?.[name]);
  const command = owner?.plugin.commands?.[name];
  if (!owner || !command) return undefined;
  return {
    ...command,
    options: { ...configOption, ...command.options },
    async run(values, positionals) {
      const { db, lock } = await openDatabase(settings);
      try {
        await migratePlugins(db, plugins);
        const ctx = { config: owner.config, db, clock: systemClock(), print: console.log };
        return await command.run(ctx, values, positionals);
      } finally {
        await db.close();
        lock?.release();
      }
    },
  };
}

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    "SothebAIs — live NFT auctions on X, hosted by an AI.",
    "",
    "usage: deno run -A main.ts <command> [options]",
    "",
    "commands:",
    ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    "",
    "Plugins add commands too (e.g. `admin`, from the admin panel).",
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
    console.log(help());
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
    console.error(`unknown command: ${name}\n\n${help()}`);
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
