/**
 * Accounts on the database (PGlite, or Postgres with DATABASE_URL): no
 * password until the setup link is used; links expire and work once; TOTP
 * codes once each; recovery codes once each; disable and reset end sessions;
 * the `admin` command's lines and refusals. Hostile names and tokens are refused.
 */
import assert from "node:assert/strict";
import { virtualClock } from "../core/clock.ts";
import { readSettings } from "../core/config.ts";
import { openDatabase } from "../core/engine.ts";
import { migrate, readMigrations } from "../core/migrate.ts";
import { testStorage } from "../tests/engine.ts";
import { loadPlugins } from "../core/config.ts";
import { newSecretKey, parseSecretKey, type SecretBox, secretBox } from "../core/secret_box.ts";
import { AccountError, accounts, sealTotpSecrets } from "./accounts.ts";
import { auditLog } from "./audit.ts";
import { adminCommand } from "./cli.ts";
import { adminConfig } from "./config.ts";
import { panelKey } from "./secret_key.ts";
import { sessions } from "./sessions.ts";
import { totpCode } from "./tests/panel_kit.ts";

async function setup() {
  const storage = testStorage();
  const { db, lock } = await openDatabase(readSettings(storage.env));
  for (
    const [owner, dir] of [["auction", "../plugins/auction/migrations/"], [
      "admin",
      "./migrations/",
    ]]
  ) {
    await migrate(db, owner, await readMigrations(new URL(dir, import.meta.url)));
  }
  const clock = virtualClock(Temporal.Now.instant());
  const keyText = newSecretKey();
  const box = await secretBox(parseSecretKey(keyText, "SECRETS_KEY"));
  const store = accounts({ db, now: () => clock.instant(), setupMinutes: 30, issuer: "Test", box });
  return {
    db,
    clock,
    store,
    keyText,
    /** A code at the store's time (its virtual clock), not the wall clock's. */
    code: (secret: string, steps = 0) => totpCode(secret, steps, clock.instant().epochMilliseconds),
    storeWith: (box: SecretBox) =>
      accounts({ db, now: () => clock.instant(), setupMinutes: 30, issuer: "Test", box }),
    async stop() {
      await db.close();
      lock?.release();
      await storage.remove();
    },
  };
}

const PASSWORD = "a long enough password";

Deno.test("accounts: setup link once, before it expires; TOTP and recovery codes once each", async () => {
  const t = await setup();
  try {
    const { token, expiresAt } = await t.store.add("olga", "operator");
    assert.equal(expiresAt.epochMilliseconds - t.clock.instant().epochMilliseconds, 30 * 60_000);
    assert.equal((await t.store.verifyLogin("olga", "", "")).ok, false, "no password before setup");
    const first = await t.store.startSetup(token);
    const again = await t.store.startSetup(token);
    assert.equal(again.secret, first.secret, "a reload shows the same secret");
    assert.match(first.uri, /^otpauth:\/\/totp\/Test:olga\?/);
    assert.match(first.qrSvg, /^<svg /);
    await assert.rejects(
      () => t.store.finishSetup(token, "short", t.code(first.secret)),
      /at least 12/,
    );
    await assert.rejects(
      () => t.store.finishSetup(token, "olga's password!", t.code(first.secret)),
      /your name/,
    );
    await assert.rejects(() => t.store.finishSetup(token, PASSWORD, "000000"), /code is not right/);
    const done = await t.store.finishSetup(token, PASSWORD, t.code(first.secret));
    assert.equal(done.recoveryCodes.length, 10);
    assert.equal(new Set(done.recoveryCodes).size, 10);
    await assert.rejects(() => t.store.startSetup(token), /already used/);

    // The enrolment's code cannot sign in again; the next one can, once.
    const reused = await t.store.verifyLogin("olga", PASSWORD, t.code(first.secret));
    assert.deepEqual([reused.ok, !reused.ok && reused.message], [
      false,
      "That code was used already: wait for the next one.",
    ]);
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, t.code(first.secret, 1))).ok, true);
    assert.equal(
      (await t.store.verifyLogin("olga", PASSWORD, t.code(first.secret, 1))).ok,
      false,
    );
    assert.equal(
      (await t.store.verifyLogin("olga", "wrong password!", t.code(first.secret, 1))).ok,
      false,
    );
    const code = done.recoveryCodes[3];
    const used = await t.store.verifyLogin("olga", PASSWORD, ` ${code.toUpperCase()} `);
    assert.deepEqual([used.ok, used.ok && used.used], [true, "recovery"]);
    const twice = await t.store.verifyLogin("olga", PASSWORD, code);
    assert.match(!twice.ok ? twice.message : "", /used already/);
    const [stored] = await t.db.query<{ password_hash: string }>(
      "select password_hash from admin_accounts",
    );
    assert.match(stored.password_hash, /^pbkdf2-sha256\$600000\$[\w-]{22}\$[\w-]{43}$/);
    const codes = await t.db.query<{ code_hash: string }>(
      "select code_hash from admin_recovery_codes",
    );
    assert.ok(
      codes.every((c) => !done.recoveryCodes.some((r) => c.code_hash.includes(r))),
      "hashed",
    );

    // Expired links.
    const late = await t.store.add("lena", "viewer");
    await t.clock.advance(30 * 60_000);
    await assert.rejects(
      () => t.store.startSetup(late.token),
      /expired.*main\.ts admin reset lena/,
    );
  } finally {
    await t.stop();
  }
});

Deno.test("accounts: disable and reset end sessions; hostile names and tokens are refused", async () => {
  const t = await setup();
  try {
    const s = sessions({
      db: t.db,
      now: () => t.clock.instant(),
      idleSeconds: 60,
      maxSeconds: 600,
    });
    const { token } = await t.store.add("olga", "admin");
    const { secret } = await t.store.startSetup(token);
    await t.store.finishSetup(token, PASSWORD, t.code(secret));
    const account = (await t.store.get("olga"))!;
    const session = await s.create(account, "127.0.0.1");
    assert.equal((await s.find(session.id))?.name, "olga");
    await t.clock.advance(61_000);
    assert.equal(await s.find(session.id), null, "idle for longer than idleSeconds");

    const live = await s.create(account, null);
    await t.store.disable("olga");
    assert.equal(await s.find(live.id), null, "disabled: its sessions end");
    const disabled = await t.store.verifyLogin("olga", PASSWORD, t.code(secret, 1));
    assert.match(!disabled.ok ? disabled.message : "", /disabled/);
    const reset = await t.store.reset("olga");
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, t.code(secret, 1))).ok, false);
    const fresh = await t.store.startSetup(reset.token);
    assert.notEqual(fresh.secret, secret, "a reset enrols a new secret");

    for (const name of ["Olga", "o", "x'; drop table admin_accounts; --", "a".repeat(40), "ölga"]) {
      await assert.rejects(() => t.store.add(name, "viewer"), AccountError, name);
    }
    await assert.rejects(() => t.store.add("root", "superuser"), /role must be one of/);
    await assert.rejects(() => t.store.add("olga", "viewer"), /exists/);
    for (const bad of ["", "short", "x".repeat(500), "' or 1=1 --________________"]) {
      await assert.rejects(() => t.store.startSetup(bad), AccountError);
    }
    assert.equal((await t.store.verifyLogin("x'; --", PASSWORD, "123456")).ok, false);
  } finally {
    await t.stop();
  }
});

Deno.test("admin command: add prints the link, list, disable, reset; refusals exit 1 and say why", async () => {
  const t = await setup();
  const lines: string[] = [];
  const errors: string[] = [];
  const error = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    const config = adminConfig.parse({
      publicUrl: "https://show.example/",
      secretsKey: t.keyText,
    });
    const ctx = {
      config,
      db: t.db,
      clock: t.clock,
      dataDir: "/nonexistent",
      print: (l: string) => lines.push(l),
    };
    assert.equal(await adminCommand.run(ctx, { role: "operator" }, ["add", "olga"]), 0);
    assert.match(
      lines.join("\n"),
      /account olga \(operator\) created\nsetup link \(one use, expires \d\d:\d\d New York time, in 30 minutes\):\nhttps:\/\/show\.example\/admin\/setup#[\w-]{43}$/,
    );
    assert.equal(await adminCommand.run(ctx, {}, ["add", "vic"]), 1);
    assert.match(errors.at(-1)!, /give --role: viewer, operator, admin/);
    assert.equal(await adminCommand.run(ctx, {}, ["list"]), 0);
    assert.match(lines.at(-1)!, /^olga\s+operator\s+pending \(setup link waiting\)$/);
    assert.equal(await adminCommand.run(ctx, {}, ["disable", "olga"]), 0);
    assert.equal(await adminCommand.run(ctx, {}, ["reset", "olga"]), 0);
    assert.match(lines.at(-1)!, /\/admin\/setup#/);
    assert.equal(await adminCommand.run(ctx, {}, ["disable", "nobody"]), 1);
    assert.match(errors.at(-1)!, /no account named nobody/);
    assert.equal(await adminCommand.run(ctx, {}, ["frobnicate"]), 2);
    const audit = await auditLog(t.db, () => t.clock.instant()).query({ actor: "cli", limit: 10 });
    assert.deepEqual(audit.map((a) => [a.action, a.subject]).reverse(), [
      ["account.add", "olga"],
      ["account.disable", "olga"],
      ["account.reset", "olga"],
    ]);
    assert.deepEqual([audit[1].before, audit[1].after], [{ status: "pending" }, {
      status: "disabled",
    }]);
  } finally {
    console.error = error;
    await t.stop();
  }
});

Deno.test("TOTP secrets at rest: sealed, plain rows sealed at start, a wrong key refused, rotation", async () => {
  const t = await setup();
  const stored = async () =>
    (await t.db.query<{ totp_secret: string | null; totp_pending: string | null }>(
      "select totp_secret, totp_pending from admin_accounts where name = 'olga'",
    ))[0];
  try {
    const { token } = await t.store.add("olga", "operator");
    const { secret } = await t.store.startSetup(token);
    const pending = (await stored()).totp_pending!;
    assert.match(pending, /^enc:v1:[0-9a-f]{8}:/);
    assert.ok(!pending.includes(secret), "the secret is not stored in plain text");
    assert.equal((await t.store.startSetup(token)).secret, secret, "it opens again on a reload");
    await t.store.finishSetup(token, PASSWORD, t.code(secret));
    assert.match((await stored()).totp_secret!, /^enc:v1:/);
    /** A code not used yet (a code signs in once: the remembered step is forgotten here). */
    const freshCode = async () => {
      await t.db.query("update admin_accounts set totp_last_step = null where name = 'olga'");
      return t.code(secret);
    };
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, t.code(secret, 1))).ok, true);

    // A row from before encryption at rest: sealed by the start's pass, and it still signs in.
    await t.db.query("update admin_accounts set totp_secret = $1 where name = 'olga'", [secret]);
    const key = await secretBox(parseSecretKey(t.keyText, "SECRETS_KEY"));
    // `main.ts admin rekey` does the same pass, and says only counts and the key's id.
    const lines: string[] = [];
    const ctx = {
      config: adminConfig.parse({ secretsKey: t.keyText }),
      db: t.db,
      clock: t.clock,
      dataDir: "/nonexistent",
      print: (l: string) => lines.push(l),
    };
    assert.equal(await adminCommand.run(ctx, {}, ["rekey"]), 0);
    assert.deepEqual(lines, [
      `TOTP secrets sealed with key ${key.keyId} (from the environment): 1 were plain, 0 re-sealed from a previous key`,
    ]);
    assert.deepEqual(await sealTotpSecrets(t.db, key), { sealed: 0, resealed: 0 }, "once");
    const sealed = (await stored()).totp_secret!;
    assert.equal(key.sealedWith(sealed), key.keyId);
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, await freshCode())).ok, true);

    // Another key: the start refuses, naming the account and both keys; nothing changes.
    const wrong = await secretBox(parseSecretKey(newSecretKey(), "SECRETS_KEY"));
    await assert.rejects(
      () => sealTotpSecrets(t.db, wrong),
      new RegExp(`account olga's TOTP secret: .*sealed with key ${key.keyId}.*${wrong.keyId}`),
    );
    await assert.rejects(() => t.storeWith(wrong).verifyLogin("olga", PASSWORD, t.code(secret)));
    assert.equal((await stored()).totp_secret, sealed);

    // Rotation: the new key, the old one as previous: re-sealed, and it signs in.
    const rotated = await secretBox(parseSecretKey(newSecretKey(), "SECRETS_KEY"), [
      parseSecretKey(t.keyText, "SECRETS_KEY_PREVIOUS"),
    ]);
    assert.deepEqual(await sealTotpSecrets(t.db, rotated), { sealed: 0, resealed: 1 });
    assert.equal(rotated.sealedWith((await stored()).totp_secret!), rotated.keyId);
    const after = t.storeWith(rotated);
    assert.equal((await after.verifyLogin("olga", PASSWORD, await freshCode())).ok, true);
  } finally {
    await t.stop();
  }
});

Deno.test("TOTP secrets at rest: the production profile will not start without SECRETS_KEY", async () => {
  const prod = JSON.parse(
    await Deno.readTextFile(new URL("../sothebais.prod.json", import.meta.url)),
  );
  const entry = prod.sothebais.plugins.find((p: { module?: string }) =>
    p.module?.includes("admin")
  );
  const attempt = (env: Record<string, string>) =>
    loadPlugins(
      [{
        label: "admin",
        specifier: new URL("./mod.ts", import.meta.url).href,
        config: entry.config,
      }],
      { PUBLIC_URL: "https://show.example", ...env },
      "production",
    );
  await assert.rejects(
    () => attempt({}),
    /config\.secretsKey: environment variable SECRETS_KEY is not set/,
  );
  // A key that is not one is refused at start, naming the variable (and never its value).
  await assert.rejects(
    () => panelKey({ secretsKey: "c2hvcnQ=", dataDir: "/nonexistent" }),
    /SECRETS_KEY must be 32 bytes of base64 \(openssl rand -base64 32\); it is 5 bytes/,
  );
});
