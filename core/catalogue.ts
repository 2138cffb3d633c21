/**
 * The catalogue of a plugin list, read from the plugins' declarations only
 * (`events`, `emits`, `listens`, `provides`, `needs`, `defines`, `commands`),
 * never from a hand-kept list: every event with its owner, its fields, who emits
 * and who listens; every service with who defines, provides and needs it; every
 * command with the plugin that adds it (or `main.ts`, for its own). The engine
 * enforces `emits` and `listens` (core/bus.ts `scopeBus`), so what this prints
 * is what the plugins do. `main.ts events` prints it; docs/events.md is its
 * checked-in copy for the demo's list.
 */
import type { z } from "zod";
import type { EventSchemas } from "./bus.ts";
import type { Plugin } from "./plugin.ts";

/** The owner name of the engine's own events. */
export const CORE = "core";

export interface EventEntry {
  type: string;
  owner: string;
  fields: Field[];
  emittedBy: string[];
  listenedBy: string[];
}

export interface ServiceEntry {
  name: string;
  definedBy: string | null;
  providedBy: string[];
  neededBy: string[];
}

export interface CommandEntry {
  name: string;
  /** The plugin that adds it, or `main.ts` for its own. */
  owner: string;
  summary: string;
  /** Runs without the engine's database (a rehearsal, a stand-in server). */
  alone: boolean;
}

/** A command `main.ts` itself has (start, check, …): what the catalogue lists of it. */
export type BuiltInCommand = { name: string; summary: string };

/** The owner name of `main.ts`'s own commands. */
export const MAIN = "main.ts";

export interface Field {
  name: string;
  type: string;
  optional: boolean;
}

export interface Catalogue {
  plugins: string[];
  events: EventEntry[];
  services: ServiceEntry[];
  commands: CommandEntry[];
  /** Plugins that hear every event (`*`). */
  hearAll: string[];
}

type Described =
  & Pick<Plugin, "name" | "events" | "emits" | "listens" | "provides" | "needs">
  & { defines?: string[]; commands?: Record<string, { summary: string; alone?: boolean }> };

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What is wrong with the list's event declarations: an event owned twice, or emitted or
 * listened to with no owner in the list (so never validated, or never sent).
 */
export function eventProblems(plugins: Described[], core: EventSchemas): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>(Object.keys(core).map((t) => [t, CORE]));
  for (const p of plugins) {
    for (const type of Object.keys(p.events ?? {})) {
      const first = owner.get(type);
      if (first) problems.push(`event ${type}: owned by both ${first} and ${p.name}`);
      else owner.set(type, p.name);
    }
  }
  for (const p of plugins) {
    for (const [verb, types] of [["emits", p.emits], ["listens to", p.listens]] as const) {
      for (const type of types ?? []) {
        if (type === "*" && verb === "listens to") continue;
        if (!owner.has(type)) {
          problems.push(`plugin ${p.name} ${verb} ${type}, which no listed plugin owns`);
        }
      }
    }
  }
  return problems;
}

/** A command added twice (by two plugins, or by a plugin and `main.ts`, whose own wins). */
export function commandProblems(plugins: Described[], builtIn: BuiltInCommand[]): string[] {
  const owner = new Map<string, string>(builtIn.map((c) => [c.name, MAIN]));
  const problems: string[] = [];
  for (const p of plugins) {
    for (const name of Object.keys(p.commands ?? {})) {
      const first = owner.get(name);
      if (first) problems.push(`command ${name}: added by both ${first} and ${p.name}`);
      else owner.set(name, p.name);
    }
  }
  return problems;
}

export function catalogue(
  plugins: Described[],
  core: EventSchemas,
  builtIn: BuiltInCommand[] = [],
): Catalogue {
  const owned: [string, string, z.ZodType][] = [
    ...Object.entries(core).map(([t, s]) => [t, CORE, s] as [string, string, z.ZodType]),
    ...plugins.flatMap((p) =>
      Object.entries(p.events ?? {}).map(([t, s]) => [t, p.name, s] as [string, string, z.ZodType])
    ),
  ];
  const who = (list: (p: Described) => string[] | undefined, type: string) =>
    plugins.filter((p) => list(p)?.includes(type)).map((p) => p.name);
  const events = owned.sort((a, b) => byName(a[0], b[0])).map(([type, owner, schema]) => ({
    type,
    owner,
    fields: fieldsOf(schema),
    emittedBy: owner === CORE ? [CORE] : who((p) => p.emits, type),
    listenedBy: who((p) => p.listens, type),
  }));
  const names = new Set(plugins.flatMap((p) => [...(p.provides ?? []), ...needsOf(p)]));
  const services = [...names].sort(byName).map((name) => ({
    name,
    definedBy: plugins.find((p) => p.defines?.includes(name))?.name ??
      plugins.find((p) => p.provides?.includes(name))?.name ?? null,
    providedBy: who((p) => p.provides, name),
    neededBy: plugins.filter((p) => (p.needs ?? []).some((n) => n.replace(/\?$/, "") === name))
      .map((p) => (p.needs ?? []).includes(name) ? p.name : `${p.name} (optional)`),
  }));
  const commands = [
    ...builtIn.map((c) => ({ ...c, owner: MAIN, alone: false })),
    ...plugins.flatMap((p) =>
      Object.entries(p.commands ?? {}).map(([name, c]) => ({
        name,
        owner: p.name,
        summary: c.summary,
        alone: c.alone === true,
      }))
    ),
  ];
  return {
    plugins: plugins.map((p) => p.name),
    events,
    services,
    commands,
    hearAll: plugins.filter((p) => p.listens?.includes("*")).map((p) => p.name),
  };
}

const needsOf = (p: Described) => (p.needs ?? []).map((n) => n.replace(/\?$/, ""));

/** The catalogue as Markdown (docs/events.md). */
export function catalogueMarkdown(c: Catalogue, source: string): string {
  const list = (names: string[]) => names.length ? names.join(", ") : "—";
  const lines = [
    "# Events and services",
    "",
    `Generated by \`deno run -A main.ts events\` (then \`deno fmt\`) from the declarations of the plugins listed in`,
    `${source} (${c.plugins.length} plugins); do not edit by hand. \`deno task test\` fails when this`,
    "file is not what the command prints. The engine refuses an emit or a subscription a plugin",
    "did not declare, so the emitters and listeners below are what the plugins do.",
    "",
    "## Events",
    "",
    c.hearAll.length
      ? `Besides the listeners named, ${list(c.hearAll)} hear${
        c.hearAll.length === 1 ? "s" : ""
      } every event (\`*\`).`
      : "No plugin hears every event.",
    "",
    ...table(
      ["event", "owner", "emitted by", "listened to by"],
      c.events.map((e) => [`\`${e.type}\``, e.owner, list(e.emittedBy), list(e.listenedBy)]),
    ),
  ];
  for (const e of c.events) {
    lines.push("", `### \`${e.type}\``, "", `Owner: ${e.owner}.`, "");
    if (!e.fields.length) lines.push("No fields.");
    for (const f of e.fields) {
      lines.push(`- \`${f.name}${f.optional ? "?" : ""}\`: ${f.type}`);
    }
  }
  lines.push(
    "",
    "## Services",
    "",
    "The interface is defined by the plugin that needs it where the plugin says so (`defines`), else",
    "by its provider.",
    "",
    ...table(
      ["service", "defined by", "provided by", "needed by"],
      c.services.map((
        s,
      ) => [`\`${s.name}\``, s.definedBy ?? "—", list(s.providedBy), list(s.neededBy)]),
    ),
    "",
    "## Commands",
    "",
    "`main.ts <command>`: its own, and those the listed plugins add (`commands`). A plugin's command",
    "runs with the database migrated, or alone (without opening it) where it says so.",
    "",
    ...table(
      ["command", "added by", "database", "what it does"],
      c.commands.map((m) => [
        `\`${m.name}\``,
        m.owner,
        m.owner === MAIN ? "—" : m.alone ? "alone" : "migrated",
        m.summary.replaceAll("|", "\\|"),
      ]),
    ),
    "",
  );
  return lines.join("\n");
}

/** A Markdown table with its columns padded, as the formatter leaves it. */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The top-level fields of an object schema, each with a short type. */
export function fieldsOf(schema: z.ZodType): Field[] {
  const def = defOf(schema);
  if (def.type !== "object") {
    return [{ name: "(payload)", type: typeText(schema), optional: false }];
  }
  return Object.entries(def.shape as Record<string, z.ZodType>).map(([name, s]) => ({
    name,
    type: typeText(s),
    optional: defOf(s).type === "optional",
  }));
}

interface Def {
  type: string;
  [key: string]: unknown;
}

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** A TypeScript-like name of a schema's type: `string`, `bigint | null`, `{ handle, amountWei }`. */
export function typeText(schema: z.ZodType): string {
  const def = defOf(schema);
  const inner = (key: string) => typeText(def[key] as z.ZodType);
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return inner("innerType");
    case "nullable":
      return `${inner("innerType")} | null`;
    case "array":
      return `${wrap(inner("element"))}[]`;
    case "pipe":
      return inner("in");
    case "enum":
      return Object.values(def.entries as Record<string, string>).map((v) => `"${v}"`).join(
        " | ",
      );
    case "literal":
      return (def.values as unknown[]).map((v) => JSON.stringify(v)).join(" | ");
    case "union":
      return (def.options as z.ZodType[]).map(typeText).join(" | ");
    case "record":
      return `Record<${typeText(def.keyType as z.ZodType)}, ${inner("valueType")}>`;
    case "object":
      return `{ ${
        Object.entries(def.shape as Record<string, z.ZodType>)
          .map(([k, s]) => `${k}${defOf(s).type === "optional" ? "?" : ""}: ${typeText(s)}`)
          .join("; ")
      } }`;
    default:
      return def.type;
  }
}

const wrap = (t: string) => (t.includes(" ") ? `(${t})` : t);
