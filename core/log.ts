/**
 * Structured logging: one JSON line per entry with the time (New York, with
 * offset), level, component, message and fields. Secret values registered with
 * `redact` and fields whose names look secret never reach the output.
 */
import { nyString } from "./clock.ts";

export type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

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
  write?: (line: string) => void;
  /** Values that must never be printed, e.g. every secret read from the environment. */
  secrets?: Iterable<string>;
}

/** Field names whose values are always hidden, whatever they hold. */
export const SECRET_NAME =
  /secret|password|passphrase|private_?key|api_?key|stream_?key|(access|bearer|auth|refresh|api)_?token|^token$/i;
const REDACTED = "[redacted]";

export function createLog(component: string, options: LogOptions = {}): Log {
  const min = RANK[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.log(line));
  // Short values would redact innocent text; secrets are long in practice.
  const secrets = [...(options.secrets ?? [])].filter((s) => s.length >= 6);

  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join(REDACTED), text);

  const make = (name: string): Log => {
    const emit = (level: Level, msg: string, fields?: Fields) => {
      if (RANK[level] < min) return;
      const entry = {
        time: nyString(Temporal.Now.instant()),
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
