/**
 * Accounts: created without a password (there is no default one), each with a
 * one-time setup link where its owner sets the password and enrols TOTP; then
 * sign-in takes the password and a TOTP code or a single-use recovery code.
 * A TOTP code is accepted once (its time step is remembered); a recovery code
 * is marked used in the same statement that accepts it. TOTP secrets are stored
 * sealed (core/secret_box.ts: AES-GCM, the key from the environment, the account's
 * id as additional data); admin/sealed.ts seals rows written before, in plain
 * text, and re-seals those of a previous key (rotation).
 */
import encodeQR from "qr";
import { Secret, TOTP } from "otpauth";
import type { Db, Queryable } from "../core/db.ts";
import type { SecretBox } from "../core/secret_box.ts";
import {
  hashPassword,
  normalRecoveryCode,
  passwordProblem,
  randomToken,
  recoveryCodes,
  sha256,
  verifyPassword,
} from "./secrets.ts";
import { totpContext } from "./sealed.ts";

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = typeof ROLES[number];
export const ACCOUNT_NAME = /^[a-z][a-z0-9_.-]{1,31}$/;

/** A refusal with a message for the person (bad name, expired link, wrong code …). */
export class AccountError extends Error {
  override name = "AccountError";
}

export interface Account {
  id: string;
  name: string;
  role: Role;
  status: "pending" | "active" | "disabled";
}

export interface AccountRow extends Account {
  setupExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SetupLink {
  token: string;
  expiresAt: Temporal.Instant;
}

export type LoginResult =
  | { ok: true; account: Account; used: "totp" | "recovery" }
  | { ok: false; account?: Account; message: string };

export interface AccountsOptions {
  db: Db;
  now: () => Temporal.Instant;
  setupMinutes: number;
  /** The issuer shown in authenticator apps. */
  issuer: string;
  /** Seals the TOTP secrets stored. */
  box: SecretBox;
}

interface Row {
  id: string;
  name: string;
  role: Role;
  status: Account["status"];
  password_hash: string | null;
  totp_secret: string | null;
  totp_pending: string | null;
  totp_last_step: string | null;
  setup_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const account = (r: Row): Account => ({ id: r.id, name: r.name, role: r.role, status: r.status });
const STEP_MS = 30_000;
// A sign-in for a name that does not exist costs the same time as a real one.
const DUMMY_HASH = hashPassword(randomToken());

export function accounts(o: AccountsOptions) {
  const { db, box } = o;
  const openTotp = (row: Row, sealed: string) => box.open(sealed, totpContext(row.id));
  const byName = async (name: string, q: Queryable = db) =>
    (await q.query<Row>("select * from admin_accounts where name = $1", [name]))[0];
  const named = async (name: string) => {
    const row = await byName(checkName(name));
    if (!row) throw new AccountError(`no account named ${name}`);
    return row;
  };
  const bySetupToken = (token: string) => setupRow(o, token);
  const newLink = async (q: Queryable, id: string): Promise<SetupLink> => {
    const token = randomToken();
    const expiresAt = o.now().add({ minutes: o.setupMinutes });
    await q.query(
      `update admin_accounts set setup_token_hash = $2, setup_expires_at = $3, updated_at = $4
       where id = $1`,
      [id, await sha256(token), expiresAt, o.now()],
    );
    return { token, expiresAt };
  };

  return {
    async add(name: string, role: string): Promise<SetupLink> {
      checkName(name);
      if (!ROLES.includes(role as Role)) {
        throw new AccountError(`role must be one of ${ROLES.join(", ")}; got ${role}`);
      }
      return await db.transaction(async (tx) => {
        if (await byName(name, tx)) throw new AccountError(`an account named ${name} exists`);
        const [{ id }] = await tx.query<{ id: string }>(
          `insert into admin_accounts (name, role, status, created_at, updated_at)
           values ($1, $2, 'pending', $3, $3) returning id`,
          [name, role, o.now()],
        );
        return await newLink(tx, id);
      });
    },

    /** A new setup link; the password, TOTP, recovery codes and sessions are gone. */
    async reset(name: string): Promise<SetupLink> {
      const row = await named(name);
      return await db.transaction(async (tx) => {
        await tx.query(
          `update admin_accounts set status = 'pending', password_hash = null, totp_secret = null,
             totp_pending = null, totp_last_step = null where id = $1`,
          [row.id],
        );
        await tx.query("delete from admin_recovery_codes where account_id = $1", [row.id]);
        await endSessions(tx, row.id, o.now());
        return await newLink(tx, row.id);
      });
    },

    async disable(name: string): Promise<void> {
      const row = await named(name);
      await db.transaction(async (tx) => {
        await tx.query(
          `update admin_accounts set status = 'disabled', setup_token_hash = null,
             setup_expires_at = null, updated_at = $2 where id = $1`,
          [row.id, o.now()],
        );
        await endSessions(tx, row.id, o.now());
      });
    },

    async list(): Promise<AccountRow[]> {
      const rows = await db.query<Row>("select * from admin_accounts order by name");
      return rows.map((r) => ({
        ...account(r),
        setupExpiresAt: r.setup_expires_at,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }));
    },

    async get(name: string): Promise<Account | null> {
      const row = await byName(name);
      return row ? account(row) : null;
    },

    /** The enrolment step: the TOTP secret (the same on a reload) as a QR code and as text. */
    async startSetup(token: string) {
      return await enrolmentSecret(o, await bySetupToken(token));
    },

    /** Sets the password and the TOTP secret (proven by a first code); returns the recovery codes, shown once. */
    async finishSetup(token: string, password: string, code: string) {
      const row = await bySetupToken(token);
      const problem = passwordProblem(password, row.name);
      if (problem) throw new AccountError(`Choose another password: ${problem}.`);
      const step = row.totp_pending &&
        codeStep(o.issuer, row.name, await openTotp(row, row.totp_pending), digits(code));
      if (!step) {
        throw new AccountError(
          "That code is not right: type the 6-digit code your authenticator app shows now.",
        );
      }
      const codes = recoveryCodes();
      const hash = await hashPassword(password);
      const hashes = await Promise.all(codes.map((c) => sha256(normalRecoveryCode(c))));
      await db.transaction(async (tx) => {
        const done = await tx.query(
          `update admin_accounts set status = 'active', password_hash = $2, totp_secret = totp_pending,
             totp_pending = null, totp_last_step = $3, setup_expires_at = null, updated_at = $4
           where id = $1 and status = 'pending' returning id`,
          [row.id, hash, step, o.now()],
        );
        if (!done.length) throw new AccountError("This setup link was already used.");
        await replaceRecoveryCodes(tx, row.id, hashes);
      });
      return { account: { ...account(row), status: "active" as const }, recoveryCodes: codes };
    },

    /** Password, then a TOTP code or a recovery code. Throttling is the caller's. */
    async verifyLogin(name: string, password: string, code: string): Promise<LoginResult> {
      const row = ACCOUNT_NAME.test(name) ? await byName(name) : undefined;
      const wrong = "Wrong name or password.";
      if (!row?.password_hash) {
        await verifyPassword(password, await DUMMY_HASH);
        return { ok: false, message: wrong };
      }
      if (!(await verifyPassword(password, row.password_hash))) {
        return { ok: false, account: account(row), message: wrong };
      }
      if (row.status !== "active") {
        return { ok: false, account: account(row), message: "This account is disabled." };
      }
      return await secondFactor(o, row, code, () => openTotp(row, row.totp_secret!));
    },

    /** Recovery codes not used yet. */
    async recoveryLeft(accountId: string): Promise<number> {
      const [{ n }] = await db.query<{ n: string }>(
        "select count(*) as n from admin_recovery_codes where account_id = $1 and used_at is null",
        [accountId],
      );
      return Number(n);
    },
  };
}

export type Accounts = ReturnType<typeof accounts>;

const totpOf = (issuer: string, name: string, secret: string) =>
  new TOTP({
    issuer,
    label: name,
    algorithm: "SHA1",
    digits: 6,
    period: STEP_MS / 1000,
    secret: Secret.fromBase32(secret),
  });

/** The time step of a valid code (±1 step for clock drift), or null. Real time: the phone's. */
function codeStep(issuer: string, name: string, secret: string, code: string): number | null {
  const now = Date.now();
  const delta = totpOf(issuer, name, secret).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / STEP_MS) + delta;
}

/** The pending account a setup link is for, or why the link does not serve. */
async function setupRow(o: AccountsOptions, token: string): Promise<Row> {
  const db = o.db;
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) {
    throw new AccountError("This setup link is not valid: copy the whole link.");
  }
  const [row] = await db.query<Row>("select * from admin_accounts where setup_token_hash = $1", [
    await sha256(token),
  ]);
  if (!row) {
    throw new AccountError(
      "This setup link is not valid (a newer one may have replaced it). Ask an admin for a new one.",
    );
  }
  if (row.status === "active") throw new AccountError("This setup link was already used.");
  if (row.status === "disabled") throw new AccountError("This account is disabled.");
  if (!row.setup_expires_at || row.setup_expires_at.getTime() <= o.now().epochMilliseconds) {
    throw new AccountError(
      `This setup link has expired (links last ${o.setupMinutes} minutes). ` +
        `Ask an admin for a new one: main.ts admin reset ${row.name}`,
    );
  }
  return row;
}

/** The TOTP secret of an enrolment (the same on a reload, kept sealed) as a QR code and as text. */
async function enrolmentSecret(o: AccountsOptions, row: Row) {
  const context = totpContext(row.id);
  let secret = row.totp_pending && await o.box.open(row.totp_pending, context);
  if (!secret) {
    secret = new Secret({ size: 20 }).base32;
    await o.db.query("update admin_accounts set totp_pending = $2 where id = $1", [
      row.id,
      await o.box.seal(secret, context),
    ]);
  }
  const uri = totpOf(o.issuer, row.name, secret).toString();
  return {
    name: row.name,
    role: row.role,
    secret,
    uri,
    qrSvg: encodeQR(uri, "svg", { ecc: "medium", border: 2 }),
  };
}

async function replaceRecoveryCodes(tx: Queryable, accountId: string, hashes: string[]) {
  await tx.query("delete from admin_recovery_codes where account_id = $1", [accountId]);
  for (const h of hashes) {
    await tx.query("insert into admin_recovery_codes (account_id, code_hash) values ($1, $2)", [
      accountId,
      h,
    ]);
  }
}

/** After the password: a TOTP code (each step once), or a recovery code (each once). */
async function secondFactor(
  o: AccountsOptions,
  row: Row,
  code: string,
  totpSecret: () => Promise<string>,
): Promise<LoginResult> {
  const db = o.db;
  if (/^\d{6}$/.test(digits(code))) {
    const step = codeStep(o.issuer, row.name, await totpSecret(), digits(code));
    if (step === null) {
      return {
        ok: false,
        account: account(row),
        message: "Wrong code: type the code your authenticator app shows now, or a recovery code.",
      };
    }
    const fresh = await db.query(
      `update admin_accounts set totp_last_step = $2 where id = $1
         and (totp_last_step is null or totp_last_step < $2) returning id`,
      [row.id, step],
    );
    if (!fresh.length) {
      return {
        ok: false,
        account: account(row),
        message: "That code was used already: wait for the next one.",
      };
    }
    return { ok: true, account: account(row), used: "totp" };
  }
  const hash = await sha256(normalRecoveryCode(code));
  const used = await db.query(
    `update admin_recovery_codes set used_at = $3
     where account_id = $1 and code_hash = $2 and used_at is null returning code_hash`,
    [row.id, hash, o.now()],
  );
  if (used.length) return { ok: true, account: account(row), used: "recovery" };
  const spent = await db.query(
    "select 1 from admin_recovery_codes where account_id = $1 and code_hash = $2",
    [row.id, hash],
  );
  return {
    ok: false,
    account: account(row),
    message: spent.length
      ? "That recovery code was used already: each works once."
      : "Wrong code: type the code your authenticator app shows now, or a recovery code.",
  };
}

function checkName(name: string): string {
  if (!ACCOUNT_NAME.test(name)) {
    throw new AccountError(
      "a name is 2–32 characters: a lower-case letter, then letters, digits, _ . or -",
    );
  }
  return name;
}

const digits = (code: string) => code.replace(/\s/g, "");

export function endSessions(q: Queryable, accountId: string, now: Temporal.Instant) {
  return q.query(
    "update admin_sessions set ended_at = $2 where account_id = $1 and ended_at is null",
    [accountId, now],
  );
}
