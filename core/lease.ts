/**
 * The lease: which engine of those sharing one database does the work only one
 * may do (plugins decide what that is). Postgres is the coordinator, nothing
 * home-made: a session advisory lock, held on a connection of its own, elects
 * the holder; a row `core_lease` carries a fencing token, raised by each new
 * holder, that writes check inside their own transaction (`fence`), so an
 * engine that lost the lock without knowing yet cannot write after the next
 * holder took over. The token is raised only once the lock is held, and the
 * raise waits for transactions still fenced under the old token, so the new
 * holder reads everything its predecessor committed.
 *
 * Its session ending is not the loss of the lease; the token changing is. Once lost, a
 * lease is never taken back in place: `onLost` handlers run (the
 * CLI exits, and a restart rejoins as a standby), because in-memory state built
 * as a holder cannot be trusted afterwards.
 *
 * PGlite: one engine per data folder (the data lock), so the engine always holds.
 */
import postgres from "postgres";
import type { Db, Queryable } from "./db.ts";
import { reconnectBackoff } from "./db_postgres.ts";
import { withTimeout } from "./timeout.ts";

export interface LeaseStatus {
  /** "postgres": elected with an advisory lock; "sole": embedded storage, one engine only. */
  kind: "postgres" | "sole";
  /** This engine. */
  engine: string;
  leader: boolean;
  /** The engine that holds the lease, as last written in `core_lease` (null: none yet). */
  holder: string | null;
  token: string | null;
  since: string | null;
  /** This engine holds the lease, and its lock's session is being re-established. */
  lapsed?: boolean;
}

export interface Lease {
  readonly kind: "postgres" | "sole";
  /** This engine's id: host, pid and a random tail. */
  readonly engine: string;
  isLeader(): boolean;
  /** Resolves once this engine holds the lease (at once for "sole"). */
  readonly acquired: Promise<void>;
  /** Inside a write's transaction: throws `LeaseLostError` unless this engine still holds it. */
  fence(tx: Queryable): Promise<void>;
  status(): Promise<LeaseStatus>;
  /** Runs once, when a held lease is lost (another engine raised the token). */
  onLost(fn: (why: string) => void): void;
  close(): Promise<void>;
}

export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

export function engineId(): string {
  let host = "engine";
  try {
    host = Deno.hostname();
  } catch { /* not allowed: the pid is enough on one machine */ }
  return `${host}:${Deno.pid}:${crypto.randomUUID().slice(0, 6)}`;
}

export function soleLease(engine = engineId()): Lease {
  const since = new Date().toISOString();
  return {
    kind: "sole",
    engine,
    isLeader: () => true,
    acquired: Promise.resolve(),
    fence: () => Promise.resolve(),
    status: () =>
      Promise.resolve({ kind: "sole", engine, leader: true, holder: engine, token: null, since }),
    onLost: () => {},
    close: () => Promise.resolve(),
  };
}

export interface PostgresLeaseOptions {
  url: string;
  schema?: string;
  /** What is leased; one lock per schema and name. */
  name?: string;
  engine?: string;
  /** How often the holder confirms it still holds the lock. */
  checkMs?: number;
}

const LOCK_CLASS = 0x5017; // the advisory lock's first key: "ours"

/**
 * Whether an engine holds the engines' lease on this database now (its advisory lock is
 * granted to a live session), for commands that must not run beside one (`rekey`). PGlite:
 * false, as the data folder's lock already keeps an engine out while a command runs.
 */
export async function engineLeads(db: Db, name = "engine"): Promise<boolean> {
  if (db.kind !== "postgres") return false;
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from pg_locks
     where locktype = 'advisory' and granted and classid = $1
       and objid = hashtext(current_schema() || '/' || $2)::oid and objsubid = 2`,
    [LOCK_CLASS, name],
  );
  return (row?.n ?? 0) > 0;
}

/** Bigints as text, as the rest of the engine reads them. */
const INT8_AS_TEXT = { int8: { to: 20, from: [20], serialize: String, parse: (x: string) => x } };

/**
 * The lease's two connections: `session`, one connection never recycled (the lock lives exactly
 * as long as it), and `pool`, for reading who holds without queueing behind the lock's wait.
 */
function leaseConnections(o: PostgresLeaseOptions, engine: string) {
  const session = postgres(o.url, {
    max: 1,
    backoff: reconnectBackoff, // the lock is taken again soon after the database is back
    idle_timeout: 0,
    max_lifetime: null,
    onnotice: () => {},
    connection: {
      ...(o.schema ? { search_path: o.schema } : {}),
      application_name: `sothebais lease ${engine}`.slice(0, 63),
      // A holder cut off by the network is dropped by the server in about 8 s.
      tcp_keepalives_idle: 5,
      tcp_keepalives_interval: 1,
      tcp_keepalives_count: 3,
    } as Record<string, string | number>,
    types: INT8_AS_TEXT,
  });
  const pool = postgres(o.url, {
    max: 1,
    backoff: reconnectBackoff,
    onnotice: () => {},
    connection: o.schema ? { search_path: o.schema } : {},
    types: INT8_AS_TEXT,
  });
  return { session, pool };
}

/**
 * Starts campaigning: `acquired` resolves when this engine holds the lock and has
 * raised the token. The lock waits in Postgres, so a holder's end is noticed at once.
 */
export function postgresLease(o: PostgresLeaseOptions): Lease {
  const name = o.name ?? "engine";
  const engine = o.engine ?? engineId();
  const checkMs = o.checkMs ?? 1000;
  const lockName = `${o.schema ?? "public"}/${name}`;
  const { session, pool } = leaseConnections(o, engine);
  let leader = false;
  let token: string | null = null;
  let closed = false;
  let lost = false;
  /** Held, but the lock's session is gone for now (the token still ours). */
  let lapsed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const lostHandlers: Array<(why: string) => void> = [];
  const { promise: acquired, resolve } = Promise.withResolvers<void>();

  const loseIt = (why: string) => {
    if (lost || !leader) return;
    lost = true;
    leader = false;
    for (const fn of lostHandlers) {
      try {
        fn(why);
      } catch { /* a handler's failure does not keep the others from running */ }
    }
  };

  const holdsLock = async () => {
    const [row] = await session`
      select count(*)::int as n from pg_locks
      where locktype = 'advisory' and pid = pg_backend_pid() and granted
        and classid = ${LOCK_CLASS} and objid = hashtext(${lockName})::oid and objsubid = 2`;
    return row.n > 0;
  };

  /**
   * The token in `core_lease` is the truth of who holds; the lock only elects who may raise
   * it. A session that ended (a Postgres restart, a network cut) is taken again when it can
   * be: if the token is still ours nobody led in between, and this engine goes on; if it
   * changed, another engine led, and this one has lost the lease for good.
   */
  const watch = () => {
    const tick = async () => {
      if (closed || lost) return;
      try {
        if (!(await withTimeout(holdsLock(), checkMs * 3))) {
          const [{ got }] = await session`
            select pg_try_advisory_lock(${LOCK_CLASS}, hashtext(${lockName})) as got`;
          const [row] = await session`select token from core_lease where name = ${name}`;
          if (row?.token !== token) {
            if (got) await session`select pg_advisory_unlock(${LOCK_CLASS}, hashtext(${lockName}))`;
            return loseIt("another engine took the lease");
          }
          lapsed = !got;
        } else lapsed = false;
      } catch {
        lapsed = true; // the database does not answer: nobody can write, nobody can take over
      }
      timer = setTimeout(tick, checkMs);
    };
    timer = setTimeout(tick, checkMs);
  };

  const campaign = async () => {
    for (let delay = 500; !closed; delay = Math.min(delay * 2, 5000)) {
      try {
        // Waits in Postgres until the holder's session ends.
        await session`select pg_advisory_lock(${LOCK_CLASS}, hashtext(${lockName}))`;
        await session`
          create table if not exists core_lease (
            name text primary key, token bigint not null, holder text not null,
            since timestamptz not null default now())`;
        const [row] = await session`
          insert into core_lease (name, token, holder) values (${name}, 1, ${engine})
          on conflict (name) do update
            set token = core_lease.token + 1, holder = excluded.holder, since = now()
          returning token`;
        // The lock may have gone with a session that ended while we waited.
        if (!(await holdsLock())) throw new Error("the session ended while taking the lease");
        token = row.token as string;
        leader = true;
        resolve();
        watch();
        return;
      } catch (error) {
        if (closed) return;
        console.error(`lease: campaigning failed, retrying: ${message(error)}`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
  void campaign();

  return {
    kind: "postgres",
    engine,
    isLeader: () => leader,
    acquired,
    async fence(tx) {
      // The row, not the session: a write under our token is ordered before any takeover.
      const rows = leader && token
        ? await tx.query(
          "select 1 from core_lease where name = $1 and token = $2 for share",
          [name, token],
        )
        : [];
      if (!rows.length) {
        loseIt("another engine took the lease");
        throw new LeaseLostError(`engine ${engine} no longer holds the lease "${name}"`);
      }
    },
    async status() {
      let row: { holder: string; token: string; since: Date } | undefined;
      try {
        [row] =
          await pool`select holder, token, since from core_lease where name = ${name}` as unknown as Array<
            { holder: string; token: string; since: Date }
          >;
      } catch { /* no holder yet: the table is made by the first */ }
      return {
        kind: "postgres",
        engine,
        leader,
        ...(leader && lapsed ? { lapsed: true } : {}),
        holder: row?.holder ?? null,
        token: row?.token ?? null,
        since: row?.since?.toISOString() ?? null,
      };
    },
    onLost(fn) {
      lostHandlers.push(fn);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      leader = false;
      // Ending the session frees the lock for the next holder at once.
      await Promise.allSettled([session.end({ timeout: 2 }), pool.end({ timeout: 2 })]);
    },
  };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];
