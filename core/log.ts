/**
 * Structured logging, in one of two forms. `json`: one JSON line per entry with
 * the time (New York, with offset), level, component, message and fields — for
 * machines and log shippers. `pretty`: a short line for a person at a terminal,
 * `time  part  message  key=value`, showing only scalar fields (nested objects
 * and lists are for machines). Secret values registered with `secrets` and
 * fields whose names look secret never reach either output.
 */
import { TIME_ZONE } from "./clock.ts";

export type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;
export type LogFormat = "json" | "pretty";

export interface Log {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger for a sub-component, e.g. `auction` → `auction.settle`. */
  child(component: string): Log;
}

export interface LogOptions {
  level?: Level;
  format?: LogFormat;
  /** Colours in the pretty form (default: when stdout is a terminal and NO_COLOR is unset). */
  colour?: boolean;
  write?: (line: string) => void;
  /** Values that must never be printed, e.g. every secret read from the environment. */
  secrets?: Iterable<string>;
}

/** Field names whose values are always hidden, whatever they hold. */
export const SECRET_NAME =
  /secret|password|passphrase|private_?key|api_?key|stream_?key|(access|bearer|auth|refresh|api)_?token|^token$/i;
const REDACTED = "[redacted]";

/** `auto` resolved: pretty for a person at a terminal, JSON lines otherwise. */
export function logFormat(setting: "auto" | LogFormat): LogFormat {
  if (setting !== "auto") return setting;
  return Deno.stdout.isTerminal() ? "pretty" : "json";
}

export function createLog(component: string, options: LogOptions = {}): Log {
  const min = RANK[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.log(line));
  // Short values would redact innocent text; secrets are long in practice.
  const secrets = [...(options.secrets ?? [])].filter((s) => s.length >= 6);
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join(REDACTED), text);
  const format = options.format ?? "json";
  const colour = options.colour ??
    (format === "pretty" && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"));

  const make = (name: string): Log => {
    const emit = (level: Level, msg: string, fields?: Fields) => {
      if (RANK[level] < min) return;
      const now = Temporal.Now.instant().toZonedDateTimeISO(TIME_ZONE);
      if (format === "pretty") {
        write(scrub(prettyLine(now, level, name, msg, fields, colour)));
        return;
      }
      const entry = {
        time: now.toString({ timeZoneName: "never" }),
        level,
        component: name,
        msg,
        ...fields,
      };
      write(scrub(JSON.stringify(entry, replacer)));
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (sub) => make(`${name}.${sub}`),
    };
  };
  return make(component);
}

function replacer(key: string, value: unknown): unknown {
  if (key && SECRET_NAME.test(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

const PART_WIDTH = 10;
const VALUE_WIDTH = 80;
const paint = (on: boolean, code: string, text: string) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

/** `14:02:07  chain      embedded anvil started  url=http://… bidders=5` */
function prettyLine(
  now: Temporal.ZonedDateTime,
  level: Level,
  component: string,
  msg: string,
  fields: Fields | undefined,
  colour: boolean,
): string {
  const time = now.toPlainTime().toString({ smallestUnit: "second" });
  // Every component is the engine's; the part is what follows.
  const part = component.replace(/^engine\./, "").padEnd(PART_WIDTH);
  const details = Object.entries(fields ?? {}).flatMap(([key, value]) => {
    const shown = scalar(key, value);
    return shown === null ? [] : [key === "url" ? shown : `${key}=${shown}`];
  });
  const tag = level === "error"
    ? paint(colour, "31;1", "error ")
    : level === "warn"
    ? paint(colour, "33", "warn ")
    : level === "debug"
    ? paint(colour, "2", "debug ")
    : "";
  const text = details.length ? `${msg}  ${paint(colour, "2", details.join(" "))}` : msg;
  return `${paint(colour, "2", time)}  ${paint(colour, "36", part)} ${tag}${text}`;
}

/** A field as a person reads it; null for what only machines need (objects, lists). */
function scalar(key: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (SECRET_NAME.test(key)) return REDACTED;
  let text: string;
  if (value instanceof Error) text = value.message.split("\n")[0];
  else if (typeof value === "object") return null;
  else text = String(value);
  // Quoted where spaces would blur where a value ends; an error reads as a sentence.
  if (/\s/.test(text) && !(value instanceof Error)) text = JSON.stringify(text);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}
