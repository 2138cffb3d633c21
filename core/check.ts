/**
 * `main.ts check`: what is configured, what is missing, and whether each outside
 * service answers — the storage here, each plugin's own services through its
 * `check`. A finding is one line; a `problem` makes the command fail. Probes
 * are bounded by a timeout, so a dead port is a problem line, not a hang.
 */
import { secretsOf } from "./secret_key.ts";
import type { LoadedPlugin, Settings } from "./config.ts";
import type { Finding } from "./plugin.ts";

export type { Finding };

export interface PartFinding extends Finding {
  /** `storage`, `state`, or a plugin's name. */
  part: string;
}

/** Rejects after `ms` with what was being waited for. */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A TCP (or TLS) connection within the timeout: the first step of probing a service. */
export function connectWithin(
  timeoutMs: number,
  what: string,
  options: { hostname: string; port: number; tls?: boolean },
): Promise<Deno.Conn> {
  const { hostname, port } = options;
  const connecting: Promise<Deno.Conn> = options.tls
    ? Deno.connectTls({ hostname, port })
    : Deno.connect({ hostname, port });
  // A connection that arrives after the timeout is closed, not leaked.
  return within(timeoutMs, what, connecting).catch((error) => {
    connecting.then((c) => c.close(), () => {});
    throw error;
  });
}

/** `scheme://host:port/path` without user, password or query: what may be printed of a URL. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

const message = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0];

/** `select 1` through the check's own read-only session (the one the plugins' checks read by). */
async function checkPostgres(url: string, db: ReadOnlyPostgres): Promise<Finding> {
  const t = performance.now();
  try {
    await db.query("select 1");
    const ms = Math.round(performance.now() - t);
    return { status: "ok", text: `Postgres at ${shownUrl(url)} answers (${ms} ms)` };
  } catch (error) {
    return { status: "problem", text: `Postgres at ${shownUrl(url)}: ${message(error)}` };
  }
}

/** A Redis PING over a plain socket (with AUTH from the URL), so a dead server cannot hang it. */
async function checkRedis(url: string, timeoutMs: number): Promise<Finding> {
  const u = new URL(url);
  const shown = shownUrl(url);
  let conn: Deno.Conn | undefined;
  try {
    conn = await connectWithin(timeoutMs, "Redis", {
      hostname: u.hostname,
      port: Number(u.port || 6379),
      tls: u.protocol === "rediss:",
    });
    const command = (...args: string[]) =>
      `*${args.length}\r\n${
        args.map((a) => `$${new TextEncoder().encode(a).length}\r\n${a}\r\n`).join("")
      }`;
    const auth = u.password
      ? command(
        "AUTH",
        ...(u.username ? [decodeURIComponent(u.username)] : []),
        decodeURIComponent(u.password),
      )
      : "";
    await conn.write(new TextEncoder().encode(auth + command("PING")));
    const buffer = new Uint8Array(512);
    let answer = "";
    while (!answer.includes("PONG") && !answer.includes("-")) {
      const n = await within(timeoutMs, "Redis", conn.read(buffer));
      if (n === null) break;
      answer += new TextDecoder().decode(buffer.subarray(0, n));
    }
    if (answer.includes("PONG") && !answer.startsWith("-")) {
      return { status: "ok", text: `Redis at ${shown} answers PING` };
    }
    return { status: "problem", text: `Redis at ${shown}: ${answer.trim() || "no answer"}` };
  } catch (error) {
    return { status: "problem", text: `Redis at ${shown}: ${message(error)}` };
  } finally {
    conn?.close();
  }
}

/**
 * The configured Postgres for the plugins' checks, read-only: its session's transactions refuse
 * writes (`default_transaction_read_only`), so a check can read state but never change it.
 */
async function readOnlyPostgres(url: string, schema: string | undefined, timeoutMs: number) {
  const { default: postgres } = await import("postgres");
  const sql = postgres(url, {
    max: 1,
    connect_timeout: timeoutMs / 1000,
    onnotice: () => {},
    connection: {
      default_transaction_read_only: "on",
      ...(schema ? { search_path: schema } : {}),
    } as Record<string, string>,
  });
  return {
    query: <T>(text: string, params: readonly unknown[] = []) =>
      // deno-lint-ignore no-explicit-any
      within(timeoutMs, "Postgres", sql.unsafe(text, [...params] as any[])) as Promise<T[]>,
    close: () => sql.end({ timeout: 1 }).catch(() => {}),
  };
}

type ReadOnlyPostgres = Awaited<ReturnType<typeof readOnlyPostgres>>;

/**
 * Which key seals data at rest (its id, never the key). A key that does not parse is left to
 * the settings' problems (`secretsProblems`), said once there.
 */
async function secretsFinding(settings: Settings): Promise<Finding | null> {
  if (!settings.SECRETS_KEY) {
    return {
      status: "missing",
      text:
        `no SECRETS_KEY: data at rest is sealed with the demo's key in ${settings.DATA_DIR}/secrets.key`,
    };
  }
  try {
    const { box } = await secretsOf({ ...settings, DATA_DIR: "" });
    return { status: "ok", text: `SECRETS_KEY set (key ${box.keyId}) seals data at rest` };
  } catch {
    return null;
  }
}

export async function runChecks(
  settings: Settings,
  plugins: LoadedPlugin[],
  timeoutMs = 5000,
): Promise<PartFinding[]> {
  const db = settings.DATABASE_URL
    ? await readOnlyPostgres(settings.DATABASE_URL, settings.DATABASE_SCHEMA, timeoutMs)
    : undefined;
  const storage: Promise<PartFinding>[] = [
    (settings.DATABASE_URL && db
      ? checkPostgres(settings.DATABASE_URL, db)
      : Promise.resolve<Finding>({
        status: "ok",
        text: `PGlite under ${settings.DATA_DIR}/pglite (embedded; not opened here)`,
      })).then((f) => ({ part: "storage", ...f })),
    (settings.REDIS_URL ? checkRedis(settings.REDIS_URL, timeoutMs) : Promise.resolve<Finding>({
      status: "ok",
      text: "in memory (embedded; rebuilt from the database on start)",
    })).then((f) => ({ part: "state", ...f })),
  ];
  const secrets = await secretsFinding(settings);
  if (secrets) storage.push(Promise.resolve({ part: "secrets", ...secrets }));
  const own = plugins.filter(({ plugin }) => plugin.check).map(async ({ plugin, config }) => {
    try {
      const found = await within(
        timeoutMs * 3,
        plugin.name,
        Promise.resolve(plugin.check!({ config, timeoutMs, query: db?.query })),
      );
      return found.map((f) => ({ part: plugin.name, ...f }));
    } catch (error) {
      return [{ part: plugin.name, status: "problem" as const, text: message(error) }];
    }
  });
  try {
    return [...await Promise.all(storage), ...(await Promise.all(own)).flat()];
  } finally {
    await db?.close();
  }
}
