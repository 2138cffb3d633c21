/**
 * Sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure and
 * `__Host-` under TLS), stored as its SHA-256. A new id at every sign-in. A
 * session ends at logout, after `idleSeconds` without the user's activity,
 * at `maxSeconds` after sign-in, or when its account is disabled or reset.
 * Each carries a CSRF token the page sends back with every state change.
 * The address a session signed in from is stored sealed (admin/sealed.ts), bound to the session.
 */
import type { Db } from "../core/db.ts";
import type { SecretBox } from "../core/secret_box.ts";
import { sessionIpContext } from "./sealed.ts";
import type { Account, Role } from "./accounts.ts";
import { randomToken, sha256 } from "./secrets.ts";

export interface Session {
  idHash: string;
  accountId: string;
  name: string;
  role: Role;
  csrf: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export interface SessionOptions {
  db: Db;
  now: () => Temporal.Instant;
  idleSeconds: number;
  maxSeconds: number;
  /** Seals the address a session signed in from. */
  box: SecretBox;
}

export function sessions(o: SessionOptions) {
  const { db } = o;
  return {
    /** A new session for a signed-in account; the cookie value is returned once, never stored. */
    async create(account: Account, ip: string | null) {
      const id = randomToken();
      const csrf = randomToken();
      const now = o.now();
      const idHash = await sha256(id);
      const sealedIp = ip === null ? null : await o.box.seal(ip, sessionIpContext(idHash));
      await db.query(
        `insert into admin_sessions (id_hash, account_id, csrf_token, created_at, last_seen_at,
           expires_at, ip) values ($1, $2, $3, $4, $4, $5, $6)`,
        [idHash, account.id, csrf, now, now.add({ seconds: o.maxSeconds }), sealedIp],
      );
      return { id, csrf };
    },

    /** The live session of a cookie value, or null (unknown, ended, idle, expired, account not active). */
    async find(id: string | undefined): Promise<Session | null> {
      if (!id || !/^[A-Za-z0-9_-]{20,100}$/.test(id)) return null;
      return await this.byHash(await sha256(id));
    },

    async byHash(idHash: string): Promise<Session | null> {
      const now = o.now();
      const [row] = await db.query<{
        id_hash: string;
        account_id: string;
        name: string;
        role: Role;
        csrf_token: string;
        created_at: Date;
        last_seen_at: Date;
        expires_at: Date;
      }>(
        `select s.id_hash, s.account_id, a.name, a.role, s.csrf_token, s.created_at,
           s.last_seen_at, s.expires_at
         from admin_sessions s join admin_accounts a on a.id = s.account_id
         where s.id_hash = $1 and s.ended_at is null and a.status = 'active'
           and s.expires_at > $2 and s.last_seen_at > $3`,
        [idHash, now, now.subtract({ seconds: o.idleSeconds })],
      );
      return row
        ? {
          idHash: row.id_hash,
          accountId: row.account_id,
          name: row.name,
          role: row.role,
          csrf: row.csrf_token,
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
        }
        : null;
    },

    /** The user did something: the idle timer starts again. */
    async touch(session: Session) {
      await db.query(
        "update admin_sessions set last_seen_at = $2 where id_hash = $1 and ended_at is null",
        [session.idHash, o.now()],
      );
    },

    async end(session: Session) {
      await db.query(
        "update admin_sessions set ended_at = $2 where id_hash = $1 and ended_at is null",
        [session.idHash, o.now()],
      );
    },
  };
}

export type Sessions = ReturnType<typeof sessions>;

/** The cookie's name and attributes: `__Host-` (Secure, Path=/) under TLS. */
export function sessionCookie(secure: boolean) {
  return secure
    ? { name: "__Host-sothebais_admin", path: "/", secure: true }
    : { name: "sothebais_admin", path: "/admin", secure: false };
}
